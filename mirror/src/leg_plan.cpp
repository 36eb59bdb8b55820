// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/leg_plan.hpp"

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
