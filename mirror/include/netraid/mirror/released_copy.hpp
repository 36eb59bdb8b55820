// SPDX-License-Identifier: GPL-2.0-or-later
// A paused target's copy, released to its own system (issue 15): while
// replication to it is paused, the target's server is stopped and its leg's
// data area is offered as a loop device there, readable on its own (mount -o
// ro,noload). Whatever is done to it meanwhile, resume must leave the legs
// byte-identical: the source's bitmap covers only the source's writes, so the
// target records its disk's write counters (/sys/class/block/DEV/stat) and the
// boot it released the copy in, and at resume judges whether anything wrote
// to the disk since. Written, or cannot tell: the source resyncs it in full.
//
// The record (TAG_released in the flag directory, durable: a reboot of
// either system does not lose it) and the judgement are plain data and pure
// functions here; the effects are release_copy / reclaim_copy.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "netraid/mirror/context.hpp"

namespace netraid::mirror::released {

// The write counters of a block device (/sys/class/block/DEV/stat fields 5,
// 7, 12 and 13: write I/Os, sectors written, discard I/Os, sectors
// discarded). Any change means something changed the disk's bytes.
struct BlockWrites {
  std::uint64_t write_ios = 0;
  std::uint64_t write_sectors = 0;
  std::uint64_t discard_ios = 0;
  std::uint64_t discard_sectors = 0;
  bool operator==(const BlockWrites&) const = default;
};
// std::invalid_argument when TEXT has fewer than 7 numbers; a kernel without
// discard fields (11 numbers) counts no discards.
BlockWrites parse_block_stat(const std::string& text);

enum class Exposure {
  Untouched,  // nothing wrote to the disk while it was released
  Written,    // its write counters moved: something wrote
  Unknown,    // cannot tell (rebooted since, counters unreadable): taken as written
};
const char* to_string(Exposure e);  // "untouched", "written", "unknown"
std::optional<Exposure> parse_exposure(const std::string& word);

struct Record {
  std::string device;       // the target's leg
  std::string copy_device;  // the loop device over its data area ("" when none)
  std::string boot_id;      // /proc/sys/kernel/random/boot_id at release
  std::optional<BlockWrites> at_release;  // counters at release
  // Set at reclaim (resume): the judgement, frozen before the server starts
  // again, so the source's own writes to the disk afterwards do not count.
  std::optional<Exposure> verdict;
  std::string reason;  // the verdict's reason
};
std::string to_json(const Record& r);
Record record_from_json(const std::string& text);  // std::invalid_argument

struct Judgement {
  Exposure exposure = Exposure::Unknown;
  std::string reason;
};
// Pure: what happened to the released disk, from the record and the counters
// and boot id now.
Judgement judge(const Record& r, const std::string& boot_id_now, const std::optional<BlockWrites>& now);

// --- effects, on the target -------------------------------------------------

// The record of TAG on this system, nullopt when its copy was not released.
std::optional<Record> load(const Context& ctx, const std::string& tag);
void forget(const Context& ctx, const std::string& tag);  // the record goes (resync decided)

// `netraid release TAG`, run by the source after it took this target's leg
// out for a pause: stops the server, offers the data area as a loop device,
// records the counters. Idempotent. Returns the loop device.
std::string release_copy(const Context& ctx, const std::string& tag);

// Exit status of `netraid reclaim` when the copy is still in use here.
inline constexpr int kCopyInUse = 3;
// `netraid reclaim TAG [--check]`, run by the source before it resumes: a
// copy still mounted or open is an OpError with kCopyInUse (one line). Else
// (not CHECK_ONLY) removes the loop device and freezes the judgement in the
// record. Nothing released: nothing to do. Returns the judgement, if any.
std::optional<Judgement> reclaim_copy(const Context& ctx, const std::string& tag, bool check_only);

// What flags-report tells the source: the frozen verdict, else judged now
// (the copy may still be in use: then Unknown). nullopt: not released.
std::optional<Judgement> current_judgement(const Context& ctx, const std::string& tag);

}  // namespace netraid::mirror::released
