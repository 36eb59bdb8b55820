// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to netraid-mirror: what the flag hooks (flag_hooks.cpp) and the
// service verbs (service.cpp) both read and tell: this system's flags, a
// leg's md facts, a peer's report, and the state a source tells a target.
#pragma once
#include <optional>
#include <string>

#include "netraid/flags/flag_store.hpp"
#include "netraid/flags/service_decision.hpp"
#include "netraid/mirror/context.hpp"
#include "netraid/mirror/failover_plan.hpp"

namespace netraid::mirror::failover {

// Exit code of flags-report when this system's flags cannot be read: the
// caller must not take that peer as simply unreachable.
inline constexpr int kFlagsUnreadable = 3;

std::string leaf(const std::string& dev);  // "/dev/nbd0" -> "nbd0"
flags::FlagStore flag_store(const Context& ctx);
// This system's entry in M, or UsageError.
const config::System& self_in(const Context& ctx, const config::MirrorConfig& m);
flags::NodeFlags read_flags(const flags::FlagStore& s, const std::string& tag);
// The md facts of DEVICE's superblock and bitmap; none = not our copy.
flags::LegInfo leg_info(const Context& ctx, const std::string& device);
// RUN_DIR/TAG.source_seen: this system was an in-sync target since boot.
std::string seen_file(const Context& ctx, const std::string& tag);
// PEER's `flags-report`, and what it recorded of this system (as its
// source). QUIET: the caller already told the operator it is unreachable.
flags::PeerReport ask_peer(const Context& ctx, const config::MirrorConfig& m, const config::System& peer,
                           std::optional<flags::SyncState>* recorded_of_me = nullptr, bool quiet = false,
                           std::optional<ReleasedReport>* released = nullptr);
bool mounted(const Context& ctx, const config::MirrorConfig& m);
// `flags-set` on TARGET; a failure is a warning (it may be down).
void tell_target(const Context& ctx, const config::MirrorConfig& m, const std::string& target, flags::SyncState state,
                 const std::string& generation_arg);
// REASON with every "TAG" replaced by the mirror's tag.
std::string with_tag(std::string reason, const std::string& tag);

}  // namespace netraid::mirror::failover
