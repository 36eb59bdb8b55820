// SPDX-License-Identifier: GPL-2.0-or-later
// Failover on one system (issue 7): the effects around the pure decisions
// flags::decide_service / flags::decide_resync. restore / remove / quickcheck
// / force are the verbs LifeKeeper's scripts call; the on_* hooks keep the
// flags current from mirror_ops (create, extend, delete) and resync_ops
// (each pass, each re-add). Failures are OpError (one line, exit code).
#pragma once
#include <string>

#include "netraid/mirror/mirror_ops.hpp"
#include "netraid/flags/service_decision.hpp"

namespace netraid::mirror::failover {

// Bring TAG in service on this system (restore is idempotent). Returns the
// action taken; a refusal is an OpError whose text is the reason and whose
// exit code names its class (refusal_exit_code).
flags::ServiceAction restore(mirror::Context& ctx, const std::string& tag, bool force);
// Take TAG out of service here: unmount, stop md, detach NBD legs; clears
// TAG_last_owner (released cleanly: a target may take over by switchover).
// filesystem_only: unmount only (the file system resource above the mirror).
void remove(mirror::Context& ctx, const std::string& tag, bool filesystem_only = false);
// Side-effect free health check; returns "" when healthy, else the problem.
// check_filesystem: also require the file system mounted where configured.
std::string quickcheck(const mirror::Context& ctx, const std::string& tag, bool check_filesystem = true);

// This system's report for `netraid flags-report` (JSON).
std::string local_report(const mirror::Context& ctx, const std::string& tag);
// `netraid flags-set` on a target, run by its source: clears last_owner,
// records the source, its sync state and (when in sync) its generation.
void set_target_flags(const mirror::Context& ctx, const std::string& tag, const std::string& source,
                      flags::SyncState state, const std::string& generation_arg);

// Hooks.
void on_created(const mirror::Context& ctx, const std::string& tag);
void on_extended(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target);
void on_deleted(const mirror::Context& ctx, const std::string& tag);
enum class ReAdd { Partial, Full, Skip };
// Before `mdadm --re-add` of a returning target: decide (decide_resync) and,
// when the target may hold writes the source never saw, merge its bitmap.
ReAdd before_re_add(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target,
                    const std::string& nbd);
// The target refused to serve its disk: when that is because it has TAG in
// service itself, say so as a split brain with the operator's choices and
// record it out of sync (returns true); otherwise false (nothing said).
bool split_brain_on_refusal(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target);
// Before a full add: tell the target it is being resynced from here.
void before_add_full(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target);
// Record each target's state as md shows it now and tell the targets whose
// state changed. Run after each resync pass and by whatever first sees a
// resync end (wait, status, quickcheck), so that a target becomes in_sync
// (able to take over) without depending on the monitor having run. A no-op
// unless TAG runs here as source.
void record_target_states(const mirror::Context& ctx, const config::MirrorConfig& m);

}  // namespace netraid::mirror::failover
