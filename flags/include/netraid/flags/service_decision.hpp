// SPDX-License-Identifier: GPL-2.0-or-later
// "May this node bring TAG into service, and how?" — one pure function over
// what this node knows (its flags, its leg's md superblock) and what the
// reachable peers report. The rules, in short:
//   - data only ever flows from the copy that is right: never resync in the
//     wrong direction, never overwrite a split brain automatically;
//   - a half-resynced copy is never brought in service (DataKeeper
//     Scenario 2), not even by force;
//   - a copy that may have missed writes (a stale target; a target that
//     booted without its source, Scenario 4; an old source that cannot see
//     its targets, Scenario 3) is never brought in service silently: it
//     waits, or an operator forces it.
// docs/failover.md explains it for operators.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netraid/flags/flag_values.hpp"
#include "netraid/flags/resync_decision.hpp"

namespace netraid::flags {

// One node's leg of the mirror, from its md superblock and bitmap.
struct LegInfo {
  bool has_superblock = false;       // false: blank disk, never a member
  std::string array_uuid;            // superblock set_uuid
  std::uint64_t events = 0;
  bool recovery_incomplete = false;  // MD_FEATURE_RECOVERY_OFFSET: a resync into it was cut
  bool bitmap_usable = false;        // internal bitmap present and not stale
  std::uint64_t bitmap_events_cleared = 0;
};

// One node's flags (flag_store.hpp), as read locally or reported by a peer.
struct NodeFlags {
  bool last_owner = false;            // TAG_last_owner present
  std::optional<std::string> source;  // TAG_source
  bool data_corrupt = false;          // TAG_data_corrupt present
  std::optional<SyncState> sync_state;
  Generation generation;              // empty when absent
};

struct PeerReport {
  std::string node;
  bool reachable = false;   // nothing below is meaningful when false
  bool in_service = false;  // TAG is in service there right now
  NodeFlags flags;
  LegInfo leg;
};

struct ServiceQuery {
  std::string node;  // this system
  NodeFlags local;
  LegInfo leg;
  bool already_in_service = false;  // TAG already in service here (restore is idempotent)
  // This node was a connected, in-sync target of its source at some point
  // since it booted (kept in /run, so a reboot forgets it). True when the
  // source died under it (Scenario 1); false when both went down and this
  // node came back alone (Scenario 4).
  bool source_seen_since_boot = false;
  std::vector<PeerReport> peers;  // every other system of the mirror
  bool force = false;             // operator: mirror_action TAG force
  // LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT: 0 don't wait, -1 forever, N s.
  std::int64_t wait_timeout_s = -1;
  // How long this node has waited so far: from TAG_wait_started, which the
  // first refused restore records (waited_seconds below).
  std::int64_t waited_s = 0;
};

enum class ServiceAction {
  AlreadyInService,             // nothing to do
  InServicePartialResync,       // go in service; targets resync from bitmaps
  InServiceFullResync,          // go in service; some target needs a full resync
  ForceOnline,                  // operator forced: clear data_corrupt, go in service
  RefuseHalfSynced,             // Scenario 2: this copy is half-resynced
  RefuseWaitForPreviousSource,  // Scenario 4: target up first, source may have newer data
  RefuseDataCorrupt,            // Scenario 3 (sets the flag) or flag already set
  RefuseStale,                  // this copy missed writes or was never in sync
  RefuseInServiceElsewhere,     // a reachable peer has TAG in service
  RefusePreviousSourceUp,       // the previous source is up: restore TAG there
  RefusePeerNewer,              // a reachable peer holds newer data
  RefuseSplitBrain,             // this copy and a peer's both moved on
  RefuseNoLocalData,            // no md superblock on the local leg
  RefuseTargetsUnreachable,     // released cleanly here, but no target can say it did not take over since
};

struct TargetPlan {
  std::string node;
  ResyncPlan resync;
};

struct ServiceDecision {
  ServiceAction action = ServiceAction::RefuseNoLocalData;
  // One line for the operator and the log: what is so, in no tool's words
  // ("TAG" stands for the mirror). What to do about it is the front end's
  // to say, from the action and the parameters below (mirror/advice.hpp).
  std::string reason;
  std::string peer;                      // the system the rule is about (in service, newer, diverged, previous source)
  std::vector<std::string> unreachable;  // the peers that could not be asked
  std::int64_t seconds_left = -1;        // RefuseWaitForPreviousSource: -1 = until the previous source returns
  // Effects the caller carries out, in this order, before going in service.
  bool set_data_corrupt = false;
  bool clear_data_corrupt = false;
  bool clear_last_owner = false;      // this node rejoins as a target
  bool start_new_generation = false;  // a new source term begins here
  std::vector<TargetPlan> targets;    // reachable peers and how each resyncs
};

ServiceDecision decide_service(const ServiceQuery& q);

// Seconds waited since `started` (both seconds since the epoch); 0 when the
// wait has not begun or the clock went back.
std::int64_t waited_seconds(std::optional<std::int64_t> started, std::int64_t now);

bool goes_in_service(ServiceAction action);
std::string_view to_string(ServiceAction action);

}  // namespace netraid::flags
