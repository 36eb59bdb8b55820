// SPDX-License-Identifier: GPL-2.0-or-later
// One `netraid` binary, many verbs (mdadm/drbdadm style). Each verb lives in
// its own cli/verb_*.cpp and registers itself here, so adding a verb never
// touches a shared file.
#pragma once
#include <span>
#include <string>
#include <vector>

namespace netraid::cli {

// Exit codes shared by every verb (documented in docs/netraid.8.pod).
enum Exit : int {
  kOk = 0,
  kFailed = 1,     // the operation was tried and did not succeed
  kUsage = 2,      // bad arguments: nothing was changed
  kBusy = 75,      // another command holds the mirror (cli/mirror_lock.hpp): nothing was changed, try again
  kSkipped = 77,   // a requirement is missing (tests)
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

using VerbFn = int (*)(std::span<const std::string> args);

// The sections of `netraid --help` and of netraid(8)'s VERBS, in that order
// (tests/cli/man-lists-every-verb.sh keeps the two in step). The verbs one
// system runs on another are listed only by `netraid --help --all`, as
// drbdadm leaves drbdsetup's plumbing out of its own help.
enum class VerbGroup { kLifecycle, kReplication, kFailover, kBuildingBlocks, kBetweenSystems, kOther };

struct Verb {
  const char* name;
  VerbGroup group;
  const char* synopsis;  // one line, shown by `netraid --help`
  VerbFn run;
};

void register_verb(const Verb& verb);
const std::vector<Verb>& verbs();

struct VerbRegistrar {
  explicit VerbRegistrar(const Verb& verb) { register_verb(verb); }
};

}  // namespace netraid::cli

#define NETRAID_CONCAT_(a, b) a##b
#define NETRAID_CONCAT(a, b) NETRAID_CONCAT_(a, b)
#define NETRAID_VERB(name, group, synopsis, fn)                   \
  static const ::netraid::cli::VerbRegistrar NETRAID_CONCAT(      \
      netraid_verb_registrar_, __LINE__){{name, ::netraid::cli::VerbGroup::group, synopsis, fn}}
