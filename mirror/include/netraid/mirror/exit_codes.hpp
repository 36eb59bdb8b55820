// SPDX-License-Identifier: GPL-2.0-or-later
// The exit status of every netraid command, in one place: the orchestration
// raises errors carrying them, the front ends (CLI, LifeKeeper scripts, OCF
// agent) map them to their own conventions. Documented in netraid(8).
#pragma once

namespace netraid::mirror {

// Exit codes shared by every verb (documented in docs/netraid.8.pod).
enum Exit : int {
  kOk = 0,
  kFailed = 1,     // the operation was tried and did not succeed
  kUsage = 2,      // bad arguments: nothing was changed
  kBusy = 75,      // another command holds the mirror (mirror_lock.hpp): nothing was changed, try again
  kSkipped = 77,   // a requirement is missing (tests)
  // netraid verify's own contract (verify.hpp): 0 the legs are identical,
  kVerifyDiffer = 1,       // the legs differed (verify: nothing changed; --repair: repaired)
  kVerifyNotVerified = 3,  // refused (degraded, resyncing, paused, ...) or md's check did not run to its end
  // restore and force refused by a failover rule (docs/failover.md), one code
  // per class so cluster scripts branch on the code, not on the message. The
  // mirror stays out of service here; only the flags the rule names change.
  kRefusedWaitForSource = 10,       // target up first: the previous source may hold newer data
  kRefusedStale = 11,               // this copy missed writes or was never in sync
  kRefusedSplitBrain = 12,          // this copy and a peer's both moved on
  kRefusedInServiceElsewhere = 13,  // a reachable peer has the mirror in service
  kRefusedPreviousSourceUp = 14,    // the previous source is up: restore there
  kRefusedHalfSynced = 15,          // this copy was being resynced when its source died
  kRefusedDataCorrupt = 16,         // TAG_data_corrupt is set (netraid force clears it)
  kRefusedPeerNewer = 17,           // a reachable peer holds newer data
  kRefusedNoLocalData = 18,         // no md superblock on the local leg
  kRefusedTargetsUnreachable = 19,  // released here, but no target can say it did not take over
};

}  // namespace netraid::mirror
