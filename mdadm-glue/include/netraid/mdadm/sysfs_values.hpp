// SPDX-License-Identifier: GPL-2.0-or-later
// Values of /sys/block/mdX/md/* attributes as plain data. Names follow the
// kernel's *_show() functions in drivers/md/md.c (array_state_show,
// sync_action_show, sync_completed_show, state_show for dev-*/state,
// sync_min/max speed) and drivers/md/md-bitmap.c (location_show,
// chunksize_show).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::mdadm {

// array_states[] in md.c, in the kernel's order.
enum class ArrayState {
  Clear, Inactive, Suspended, Readonly, ReadAuto, Clean, Active, WritePending, ActiveIdle, Broken
};
ArrayState parse_array_state(std::string_view text);
std::string_view to_string(ArrayState state);

enum class SyncAction { Idle, Resync, Recover, Check, Repair, Reshape, Frozen };
SyncAction parse_sync_action(std::string_view text);
std::string_view to_string(SyncAction action);

// sync_completed: "none", "delayed", or "DONE / TOTAL" in 512-byte sectors.
struct SyncCompleted {
  enum class Kind { None, Delayed, Progress } kind = Kind::None;
  std::uint64_t done_sectors = 0;
  std::uint64_t total_sectors = 0;
};
SyncCompleted parse_sync_completed(std::string_view text);

// dev-*/state: comma list such as "in_sync,write_mostly" or "faulty,blocked".
struct MemberState {
  bool faulty = false;
  bool in_sync = false;
  bool journal = false;
  bool write_mostly = false;
  bool blocked = false;
  bool spare = false;
  bool write_error = false;
  bool want_replacement = false;
  bool replacement = false;
  bool external_bbl = false;
  bool failfast = false;
  std::vector<std::string> unknown;  // words a newer kernel may add
};
MemberState parse_member_state(std::string_view text);

// Words written to dev-*/state (md.c state_store): set or clear the
// write-mostly flag. A target's leg is write-mostly; a new source's own leg
// must lose the flag it had as a target.
inline constexpr std::string_view kWriteMostlyOn = "writemostly";
inline constexpr std::string_view kWriteMostlyOff = "-writemostly";

// dev-*/slot: the member's role, or nullopt for "none" (spare/faulty).
std::optional<unsigned> parse_slot(std::string_view text);

// Plain numeric attributes: degraded, mismatch_cnt, bitmap/chunksize,
// component_size, ... `what` names the attribute in the error.
std::uint64_t parse_number_attribute(std::string_view text, std::string_view what);

// sync_speed_min / sync_speed_max: "20000 (system)" or "500000 (local)".
struct SpeedLimit {
  std::uint64_t kb_per_s = 0;
  bool system_default = false;
};
SpeedLimit parse_speed_limit(std::string_view text);

// bitmap/location: "none", "file", or a signed sector offset like "+8".
struct BitmapLocation {
  enum class Kind { None, File, Internal } kind = Kind::None;
  std::int64_t offset_sectors = 0;  // from the superblock, Internal only
};
BitmapLocation parse_bitmap_location(std::string_view text);

}  // namespace netraid::mdadm
