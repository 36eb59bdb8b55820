// SPDX-License-Identifier: GPL-2.0-or-later
// Keeping the failover flags current: the on_* hooks from the lifecycle
// (create, extend, delete), the re-add decision (flags::decide_resync) and
// the targets' recorded states from each resync pass, and the target side of
// `flags-report` / `flags-set`. The service verbs are service.hpp.
// Failures are OpError (one line, exit code).
#pragma once
#include <string>

#include "netraid/mirror/context.hpp"
#include "netraid/flags/service_decision.hpp"

namespace netraid::mirror::failover {

// This system's report for `netraid flags-report` (JSON).
std::string local_report(const Context& ctx, const std::string& tag);
// `netraid flags-set` on a target, run by its source: clears last_owner,
// records the source, its sync state and (when in sync) its generation.
void set_target_flags(const Context& ctx, const std::string& tag, const std::string& source,
                      flags::SyncState state, const std::string& generation_arg);

// Hooks.
void on_created(const Context& ctx, const std::string& tag);
void on_extended(const Context& ctx, const config::MirrorConfig& m, const std::string& target);
void on_deleted(const Context& ctx, const std::string& tag);
// PartialTellAfter: a partial re-add whose target is told its state only
// once md copies, by the pass's closing record_target_states (see
// flags::tell_resyncing_before_copy).
enum class ReAdd { Partial, PartialTellAfter, Full, Skip };
// What decide_resync reads about a returning TARGET attached as NBD: its
// flags (asked), both legs' superblocks, this source's generation.
flags::ResyncQuery gather_resync_query(const Context& ctx, const config::MirrorConfig& m, const std::string& target,
                                       const std::string& nbd);
// Before `mdadm --re-add` of a returning target: decide (decide_resync) and,
// when the target may hold writes the source never saw, merge its bitmap.
ReAdd before_re_add(const Context& ctx, const config::MirrorConfig& m, const std::string& target,
                    const std::string& nbd);
// The target refused to serve its disk: when that is because it has TAG in
// service itself, say so as a split brain with the operator's choices and
// record it out of sync (returns true); otherwise false (nothing said).
bool split_brain_on_refusal(const Context& ctx, const config::MirrorConfig& m, const std::string& target);
// Before a full add: tell the target it is being resynced from here.
void before_add_full(const Context& ctx, const config::MirrorConfig& m, const std::string& target);
// Record each target's state as md shows it now and tell the targets whose
// state changed. Run after each resync pass and by whatever first sees a
// resync end (wait, status, quickcheck), so that a target becomes in_sync
// (able to take over) without depending on the monitor having run. A no-op
// unless TAG runs here as source.
void record_target_states(const Context& ctx, const config::MirrorConfig& m);

}  // namespace netraid::mirror::failover
