// SPDX-License-Identifier: GPL-2.0-or-later
// What to do next with one target's leg of a mirror, decided from what was
// observed (pure, unit-tested). The monitor and `netraid resync` apply the
// steps until the plan says Nothing or a step fails.
#pragma once
#include <string>

namespace netraid::mirror::legs {

struct LegObservation {
  bool paused = false;            // the operator paused replication to this target
  bool attached = false;          // a /dev/nbdN is connected to the target
  bool in_array = false;          // that device is a member of the md array
  bool faulty = false;            // md marked it faulty
  bool superblock_ours = false;   // the target's disk carries our array's md superblock
  bool full_resync_requested = false;
  bool re_add_refused = false;    // md already refused a bitmap re-add of this disk
};

enum class LegAction {
  kNothing,       // in sync, resyncing, or deliberately paused and out
  kRemoveFaulty,  // take the failed member out and detach its NBD device
  kConnect,       // start the target's server (idempotent) and attach it
  kReAddPartial,  // md copies only what its write-intent bitmap marks
  kAddFull,       // wipe the target's superblock and add it: full resync
  kPauseOut,      // paused but still a member: take it out, bitmap keeps tracking
};

struct LegPlan {
  LegAction action = LegAction::kNothing;
  std::string reason;
};

LegPlan plan_leg(const LegObservation& seen);
const char* to_string(LegAction action);

}  // namespace netraid::mirror::legs
