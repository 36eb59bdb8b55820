// SPDX-License-Identifier: GPL-2.0-or-later
// Growing a mirror in service (DataKeeper's mirror_resize, `netraid resize`)
// after its devices grew on the source and on every target (lvextend): each
// target's NBD leg learns the new size on a fresh connection (I/O held, not
// failed, meanwhile), then md grows its component size and resyncs the added
// region. The file system grow stays the operator's step. gather -> decide
// (plan_resize, pure) -> apply; every refusal comes before any change.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netraid/mirror/context.hpp"

namespace netraid::mirror::resize {

// md's component size is kept a multiple of this (mdadm rounds --size=max
// the same way); a -s that is not is rounded down.
inline constexpr std::uint64_t kRoundKib = 64;

// One leg as gathered: its device's size and where md's data starts on it.
struct Leg {
  std::string host;
  std::string device;
  std::uint64_t device_bytes = 0;
  std::uint64_t data_offset_bytes = 0;
};
// What md can use of LEG, in KiB, rounded down to kRoundKib.
std::uint64_t usable_kib(const Leg& leg);

struct Facts {
  std::string tag;
  std::uint64_t component_kib = 0;             // md's component_size now
  std::vector<Leg> legs;                       // this system's (the source's) first
  std::optional<std::uint64_t> requested_kib;  // -s / --size
};

enum class Outcome {
  kGrow,
  kShrink,          // -s below the mirror's size: never while in service
  kTargetTooSmall,  // a target's device holds less than the source's
  kTooLarge,        // -s above what the smallest leg holds
  kNothingToGrow,   // the legs hold no more than the mirror uses now
};

struct Plan {
  Outcome outcome = Outcome::kNothingToGrow;
  std::string reason;  // refusals: one line naming the problem and what to do
  std::string host;    // the leg a refusal is about ("" = none)
  std::uint64_t old_kib = 0;
  std::uint64_t new_kib = 0;
  int exit_code = 0;   // kOk for kGrow, else the refusal's
};
Plan plan_resize(const Facts& facts);

// Asked before anything changes, with the question to put to the operator;
// returns whether to go on (it may throw its own refusal, e.g. no terminal).
using Confirm = std::function<bool(const std::string& question)>;

struct Request {
  std::string tag;
  std::optional<std::uint64_t> size_kib;
  Confirm confirm;  // unset = confirmed (-f)
};

// What was done, for the front end to render.
struct Result {
  std::uint64_t old_bytes = 0;
  std::uint64_t new_bytes = 0;
  std::string md_device;
  std::string fs_grow_command;  // "" for a raw mirror
};

// Runs on the mirror's source. OpError (exit 1) / UsageError (exit 2) with
// one line when refused or failed; a refusal changes nothing.
Result resize(Context& ctx, const Request& request);

// The command that grows the file system on M once md is grown ("" = none).
std::string fs_grow_command(const config::MirrorConfig& m);

}  // namespace netraid::mirror::resize
