// SPDX-License-Identifier: GPL-2.0-or-later
// /proc/mdstat as plain data. The layout follows the kernel's md_seq_show(),
// status_resync() and md_bitmap_status() (drivers/md/md.c, md-bitmap.c) and
// raid1_status() (drivers/md/raid1.c).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::mdadm {

// One " name[desc_nr](W)(F)..." token. desc_nr is md's descriptor number, not
// the member's role (slot) in the array: read dev-*/slot for the role.
struct MdstatMember {
  std::string name;  // e.g. "nbd0", "ubda", "sda1"
  int descriptor = -1;
  bool write_mostly = false;  // (W)
  bool journal = false;       // (J)
  bool faulty = false;        // (F)
  bool spare = false;         // (S)
  bool replacement = false;   // (R)
};

enum class SyncKind { Resync, Recovery, Check, Repair, Reshape };

enum class SyncState {
  Running,  // a progress line: "[==>...]  recovery = 12.6% (...)"
  Pending,  // "resync=PENDING": needed but the array is (auto-)read-only
  Delayed,  // "resync=DELAYED": waiting for another array on the same disks
  Remote,   // "resync=REMOTE" etc.: a clustered peer is doing it
};

struct SyncProgress {
  SyncKind kind = SyncKind::Resync;
  SyncState state = SyncState::Running;
  unsigned permille = 0;              // 12.6% -> 126
  std::uint64_t done_kb = 0;          // (33024/262080): 1 KiB blocks
  std::uint64_t total_kb = 0;
  std::optional<double> finish_min;   // finish=0.1min
  std::optional<std::uint64_t> speed_kb_per_s;  // speed=33024K/sec
};

struct MdstatBitmap {
  std::uint64_t pages_present = 0;  // "1/1 pages": in memory / total
  std::uint64_t pages_total = 0;
  std::uint64_t memory_kb = 0;      // "[4KB]"
  std::uint64_t chunk_bytes = 0;    // "1024KB chunk" or "512B chunk"
  std::optional<std::string> file;  // ", file: /path" for external bitmaps
};

struct MdstatArray {
  std::string name;  // "md0"
  bool active = false;
  std::string read_only;    // "", "read-only" or "auto-read-only"
  std::string personality;  // "raid1"; empty when inactive
  std::vector<MdstatMember> members;
  std::optional<std::uint64_t> blocks_kb;
  std::string super;        // "1.2", "external:imsm", "non-persistent"; "" = 0.90
  std::optional<unsigned> raid_disks;    // [2/1] -> 2
  std::optional<unsigned> working_disks; // [2/1] -> 1
  std::string member_status;             // [U_] -> "U_"
  std::optional<SyncProgress> sync;
  std::optional<MdstatBitmap> bitmap;
};

struct Mdstat {
  std::vector<std::string> personalities;   // "raid1", ...
  std::vector<MdstatArray> arrays;
  std::vector<std::string> unused_devices;  // empty for "<none>"
};

// Throws ParseError on text that is not /proc/mdstat.
Mdstat parse_mdstat(std::string_view text);

const MdstatArray* find_array(const Mdstat& mdstat, std::string_view name);

std::string_view to_string(SyncKind kind);

}  // namespace netraid::mdadm
