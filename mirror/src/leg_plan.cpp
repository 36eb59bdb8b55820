// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/leg_plan.hpp"

#include <algorithm>

namespace netraid::mirror::legs {

LegPlan plan_leg(const LegObservation& s) {
  if (s.paused) {
    if (s.in_array) return {LegAction::kPauseOut, "replication is paused: take the leg out, the bitmap tracks writes"};
    return {LegAction::kNothing, "paused by the operator"};
  }
  if (s.in_array && s.faulty) return {LegAction::kRemoveFaulty, "md failed the leg (target lost or I/O error)"};
  if (s.in_array && s.full_resync_requested) return {LegAction::kRemoveFaulty, "a full resync was requested"};
  if (s.in_array) return {LegAction::kNothing, "mirroring (in sync or resyncing)"};
  if (!s.attached) return {LegAction::kConnect, "starting its NBD server and attaching it here"};
  if (s.full_resync_requested) return {LegAction::kAddFull, "a full resync was requested"};
  if (!s.superblock_ours)
    return {LegAction::kAddFull, "the target's disk has no superblock of this array (new or replaced disk)"};
  if (s.re_add_refused)
    return {LegAction::kAddFull, "md refused a bitmap re-add (the bitmap cannot tell what differs)"};
  return {LegAction::kReAddPartial, "the target returned with this array's superblock: bitmap resync"};
}

const char* to_string(LegAction a) {
  switch (a) {
    case LegAction::kNothing: return "nothing";
    case LegAction::kRemoveFaulty: return "remove";
    case LegAction::kConnect: return "connect";
    case LegAction::kReAddPartial: return "re-add (partial resync)";
    case LegAction::kAddFull: return "add (full resync)";
    case LegAction::kPauseOut: return "pause";
  }
  return "?";
}

}  // namespace netraid::mirror::legs

namespace netraid::mirror::legs {

InitialSyncPlan plan_initial_sync(bool no_full_sync, const std::string& tag, const std::string& target,
                                  const std::string& local_device) {
  if (!no_full_sync) return {};
  return {InitialSync::kSeeded,
          "WARNING: LKDR_NO_FULL_SYNC=1: " + target + " is added WITHOUT a full initial sync: md takes its disk as "
          "a byte copy of " + local_device + "'s data; anything that differs stays different (reads may return "
          "either copy after a failover) until 'netraid fullresync " + tag + " " + target + "'"};
}

std::string seeded_warning(const std::string& tag, const std::string& target) {
  return "added without a full sync (LKDR_NO_FULL_SYNC): not verified; 'netraid fullresync " + tag + " " + target +
         "' makes sure";
}

std::optional<unsigned> free_slot(const std::vector<std::optional<unsigned>>& used, unsigned raid_disks) {
  for (unsigned slot = 0; slot < raid_disks; ++slot)
    if (std::find(used.begin(), used.end(), std::optional<unsigned>(slot)) == used.end()) return slot;
  return std::nullopt;
}

}  // namespace netraid::mirror::legs
