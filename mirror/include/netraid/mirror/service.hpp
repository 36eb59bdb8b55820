// SPDX-License-Identifier: GPL-2.0-or-later
// A mirror in and out of service on this system: restore, remove,
// quickcheck, force — what LifeKeeper's scripts, the OCF agent and the
// operator call. restore is gather -> flags::decide_service -> apply:
// gathering changes nothing, the decision is pure, and applying runs named
// steps in a fixed order with a rollback (docs/failover.md).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "netraid/flags/flag_values.hpp"
#include "netraid/flags/service_decision.hpp"
#include "netraid/mirror/context.hpp"

namespace netraid::mirror::failover {

// Everything restore reads before it decides.
struct ServiceFacts {
  config::MirrorConfig mirror;
  config::System self;
  flags::ServiceQuery query;                 // what flags::decide_service reads
  std::optional<std::int64_t> wait_started;  // TAG_wait_started: the wait for the previous source began
  std::int64_t now = 0;                      // seconds since the epoch, when gathered
};

// Reads this system's flags, its leg, md, the runtime state and every peer's
// report. Changes nothing; an unreadable flag is an OpError.
ServiceFacts gather_service_facts(const Context& ctx, const std::string& tag, bool force);

// The decision's own bookkeeping, done whatever it decided: TAG_data_corrupt
// set, TAG_last_owner cleared (this system rejoins as a target), and the
// wait for the previous source begun (first refusal) or ended.
void record_decision(const Context& ctx, const ServiceFacts& facts, const flags::ServiceDecision& decision);

// The takeover, in this order: stop serving as a target; claim the flags
// (last_owner, source, a new generation, targets Out of Sync), so that once
// md writes this system is the source of a new term; assemble md from the
// local leg; let it serve reads; clear TAG_data_corrupt; forget old legs.
// When the assembly fails, the flags are put back as they were and the
// OpError says why. facts.mirror.md_device may change (N+1: a free one).
void take_over(Context& ctx, ServiceFacts& facts, const flags::ServiceDecision& decision);

// A restore or force that a failover rule refused: its text is the reason
// and the advice (worded for Settings::advice_for), its exit code names the
// class (refusal_exit_code); the decision keeps the systems it names.
struct Refused : OpError {
  Refused(const flags::ServiceDecision& d, const std::string& tag, std::string advice_text);
  flags::ServiceDecision decision;  // "TAG" in the reason replaced by the tag
  std::string advice;
};

// Bring TAG in service on this system (idempotent): the three steps above,
// then mount and reconnect the targets. Returns the action taken; throws
// Refused when a failover rule says no.
flags::ServiceAction restore(Context& ctx, const std::string& tag, bool force);

// Take TAG out of service here: unmount, stop md, detach NBD legs; clears
// TAG_last_owner (released cleanly: a target may take over by switchover).
// filesystem_only: unmount only (the file system resource above the mirror).
void remove(Context& ctx, const std::string& tag, bool filesystem_only = false);

// Side-effect free health check; returns "" when healthy, else the problem.
// check_filesystem: also require the file system mounted where configured.
std::string quickcheck(const Context& ctx, const std::string& tag, bool check_filesystem = true);

}  // namespace netraid::mirror::failover
