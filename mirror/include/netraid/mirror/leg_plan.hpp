// SPDX-License-Identifier: GPL-2.0-or-later
// What to do next with one target's leg of a mirror, decided from what was
// observed (pure, unit-tested). The monitor and `netraid resync` apply the
// steps until the plan says Nothing or a step fails.
#pragma once
#include <optional>
#include <string>
#include <vector>

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

namespace netraid::mirror::legs {

// How a new target's leg is brought in sync at extend (DataKeeper's
// LKDR_NO_FULL_SYNC): a full initial sync, or, for a target seeded with a
// byte copy of the source's leg, none: md takes the leg as in sync
// (recovery_start=none before it gets its slot), with a loud warning kept in
// status until the target's next full resync.
enum class InitialSync { kFull, kSeeded };
struct InitialSyncPlan {
  InitialSync kind = InitialSync::kFull;
  std::string warning;  // kSeeded: what the operator must know (one line)
};
InitialSyncPlan plan_initial_sync(bool no_full_sync, const std::string& tag, const std::string& target,
                                  const std::string& local_device);
// The warning `netraid status` shows for a seeded target.
std::string seeded_warning(const std::string& tag, const std::string& target);

// The lowest raid slot below RAID_DISKS that no member holds (md's
// dev-*/slot: a number, or "none" for a spare = nullopt), or nullopt.
std::optional<unsigned> free_slot(const std::vector<std::optional<unsigned>>& used, unsigned raid_disks);

}  // namespace netraid::mirror::legs
