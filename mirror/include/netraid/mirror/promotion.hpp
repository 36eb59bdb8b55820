// SPDX-License-Identifier: GPL-2.0-or-later
// The promotion score a cluster manager (Pacemaker's ocf:netraid:netraid)
// gives this system's copy of a mirror, from the same pure decision restore
// takes (flags::decide_service), so the cluster never promotes a copy that
// restore would refuse. Pure: the netraid `promotion` verb gathers the facts
// (failover::gather_service_facts, read-only) and prints the result;
// docs/pacemaker.md explains the mapping to administrators.
#pragma once
#include <string>

#include "netraid/flags/service_decision.hpp"

namespace netraid::mirror::promotion {

// In service here: the highest score, so Pacemaker keeps the source where it is.
inline constexpr int kPromotedScore = 10000;
// A copy restore would bring in service (now, or as soon as the system that
// has it in service is gone) scores kCandidateScore minus its failover
// priority (extend --priority, lower = preferred): cascading by priority.
inline constexpr int kCandidateScore = 1000;

enum class Standing {
  kPromoted,   // in service here
  kCandidate,  // restore would bring it in service here now
  kStandby,    // an in-sync target of the system in service: restore would take over if that system failed
  kNone,       // restore would refuse it (stale, half-resynced, data_corrupt, waiting, ...): no score
};

struct Promotion {
  Standing standing = Standing::kNone;
  int score = 0;  // 0 with kNone: the agent removes its promotion attribute
  // What restore decides right now (a standby copy: RefuseInServiceElsewhere).
  flags::ServiceAction action = flags::ServiceAction::RefuseNoLocalData;
  std::string reason;  // one line, "TAG" standing for the mirror
};

// `q` as failover::gather_service_facts fills it (force false); `priority`
// this system's failover priority in the mirror's configuration.
Promotion decide(const flags::ServiceQuery& q, int priority);

std::string_view to_string(Standing standing);  // "promoted", "candidate", "standby", "none"

}  // namespace netraid::mirror::promotion
