// SPDX-License-Identifier: GPL-2.0-or-later
// The durable flags of each mirror, one small file per flag in
// $LKROOT/subsys/scsi/resources/netraid/ (see lkroot.hpp), named TAG_FLAG:
//
//   TAG_last_owner    "NODE\n": on the system acting as source (this one)
//   TAG_source        "NODE\n": the system that was source the last time
//                     this one was part of the mirror
//   TAG_data_corrupt  any text (a reason): this system came back as source
//                     and could not reach its targets; only an operator's
//                     force clears it. An empty file still counts as set.
//   TAG_sync_state    "in_sync|resyncing|out_of_sync\n": this system's copy
//                     as the source last told it
//   TAG_targets       "NODE STATE\n" lines: on the source, what it last told
//                     each target
//   TAG_generation    data generation ids (flag_values.hpp)
//   TAG_wait_started  "SECONDS\n" since the epoch: when restore on this
//                     target first refused to wait for its previous source
//                     (LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT counts from it;
//                     kept across reboots, cleared once the wait is over)
//
// Reads return nullopt only for an absent flag; a flag that is unreadable
// or does not parse is a FlagError; so is anything but a regular file at a
// flag's path (a FIFO, a symlink: read in bounded time, never followed) and
// a missing flag directory. Writes are atomic and durable (netraid-common).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "netraid/flags/flag_values.hpp"

namespace netraid::flags {

// A flag is a line or a few; anything larger is not ours.
inline constexpr std::size_t kMaxFlagFileBytes = 64 * 1024;

class FlagStore {
 public:
  explicit FlagStore(std::string dir);

  const std::string& dir() const { return dir_; }
  std::string path(std::string_view tag, std::string_view flag) const;
  void create_directory() const;

  std::optional<std::string> last_owner(std::string_view tag) const;
  void set_last_owner(std::string_view tag, std::string_view node) const;
  void clear_last_owner(std::string_view tag) const;

  std::optional<std::string> source(std::string_view tag) const;
  void set_source(std::string_view tag, std::string_view node) const;
  void clear_source(std::string_view tag) const;

  // The reason written when it was set ("" for an empty file).
  std::optional<std::string> data_corrupt(std::string_view tag) const;
  void set_data_corrupt(std::string_view tag, std::string_view reason) const;
  void clear_data_corrupt(std::string_view tag) const;

  std::optional<SyncState> sync_state(std::string_view tag) const;
  void set_sync_state(std::string_view tag, SyncState state) const;
  void clear_sync_state(std::string_view tag) const;

  std::map<std::string, SyncState> targets(std::string_view tag) const;  // empty if absent
  void set_target_state(std::string_view tag, std::string_view node, SyncState state) const;
  void forget_target(std::string_view tag, std::string_view node) const;

  std::optional<Generation> generation(std::string_view tag) const;
  void set_generation(std::string_view tag, const Generation& g) const;

  std::optional<std::int64_t> wait_started(std::string_view tag) const;
  void set_wait_started(std::string_view tag, std::int64_t seconds_since_epoch) const;
  void clear_wait_started(std::string_view tag) const;

  // Every flag of `tag` (for `delete`). Other tags' flags are untouched.
  void remove_all(std::string_view tag) const;

 private:
  std::optional<std::string> read(std::string_view tag, std::string_view flag) const;
  void write(std::string_view tag, std::string_view flag, std::string_view content) const;
  void remove(std::string_view tag, std::string_view flag) const;
  std::optional<std::string> read_node(std::string_view tag, std::string_view flag) const;

  std::string dir_;
};

// Strict codecs of the files above (pure; FlagError on anything else).
std::string parse_node_flag(std::string_view text, std::string_view what);
std::map<std::string, SyncState> parse_targets(std::string_view text);
std::string format_targets(const std::map<std::string, SyncState>& targets);
std::int64_t parse_wait_started(std::string_view text);

}  // namespace netraid::flags
