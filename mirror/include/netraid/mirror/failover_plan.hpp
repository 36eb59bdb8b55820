// SPDX-License-Identifier: GPL-2.0-or-later
// Pure pieces of failover (issue 7): how a peer's flags and leg travel as
// JSON (`netraid flags-report`), how the source classifies each target's leg
// from md's sysfs, and when it must tell a target its new state. No effects:
// failover_ops.cpp does the I/O, tests/mirror/failover_plan_test.cpp the tables.
#pragma once
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "netraid/flags/service_decision.hpp"

namespace netraid::mirror::failover {

// The exit status of a restore or force that ACTION refuses: one code per
// refusal class (mirror::Exit, netraid(8) EXIT STATUS); kFailed for an action
// that is not a refusal.
int refusal_exit_code(flags::ServiceAction action);
// Its name for machines (`restore --json`): "wait_for_previous_source",
// "split_brain", ...; "" for an action that is not a refusal.
std::string_view refusal_class(flags::ServiceAction action);

// A peer's answer to `netraid flags-report TAG`; `targets` is its
// TAG_targets (what it, as a source, last recorded of each target).
// `released`: a paused target's copy released to its system (released_copy.hpp).
struct ReleasedReport {
  std::string exposure;  // "untouched", "written" or "unknown"
  std::string reason;
};
std::string render_report(const flags::PeerReport& report,
                          const std::map<std::string, flags::SyncState>& targets = {},
                          const std::optional<ReleasedReport>& released = std::nullopt);
// Throws std::invalid_argument (one line) when `json_text` is not a report.
flags::PeerReport parse_report(const std::string& node, const std::string& json_text);
// What the report's TAG_targets says of `target` (nullopt: nothing).
std::optional<flags::SyncState> reported_target_state(const std::string& json_text, const std::string& target);
// What the report says of a released copy (nullopt: none, or an older
// netraid that does not release copies).
std::optional<ReleasedReport> reported_released(const std::string& json_text);

// This copy's sync state for the restore decision: its own flag, made worse
// by what its source recorded (a target the source saw drop out never heard
// so: its own flag still says in_sync). Worse: OutOfSync > Resyncing > InSync.
std::optional<flags::SyncState> effective_sync_state(std::optional<flags::SyncState> own,
                                                     std::optional<flags::SyncState> recorded_by_source);

// The target's state as the source sees it: member of the array and not
// faulty, with md's "in_sync" in dev-X/state = InSync; member being rebuilt =
// Resyncing; anything else (absent, faulty, paused out) = OutOfSync.
flags::SyncState observed_target_state(bool in_array, bool faulty, const std::string& md_member_state);

// What the source tells a target after a pass, given what it last recorded
// (`recorded`, absent when never) and what it sees now.
struct TargetUpdate {
  bool record = false;      // write TAG_targets on the source
  bool tell_target = false; // run `flags-set` on the target (may fail: it may be down)
  bool give_generation = false;  // the target now holds the source's generation
};
TargetUpdate plan_target_update(std::optional<flags::SyncState> recorded, flags::SyncState now);

// "HEX,HEX,..." (current first, then history) <-> Generation. Throws
// std::invalid_argument on anything else.
std::string generation_to_arg(const flags::Generation& g);
flags::Generation generation_from_arg(const std::string& text);

}  // namespace netraid::mirror::failover
