// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/promotion.hpp"

#include <algorithm>

namespace netraid::mirror::promotion {

namespace {

int candidate_score(int priority) { return std::max(1, kCandidateScore - std::max(0, priority)); }

}  // namespace

Promotion decide(const flags::ServiceQuery& q, int priority) {
  using flags::ServiceAction;
  Promotion p;
  const auto d = flags::decide_service(q);
  p.action = d.action;
  p.reason = d.reason;
  if (d.action == ServiceAction::AlreadyInService) {
    p.standing = Standing::kPromoted;
    p.score = kPromotedScore;
    return p;
  }
  if (flags::goes_in_service(d.action)) {
    p.standing = Standing::kCandidate;
    p.score = candidate_score(priority);
    p.reason = "restore would bring TAG in service here: " + d.reason;
    return p;
  }
  if (d.action != ServiceAction::RefuseInServiceElsewhere) return p;  // restore refuses this copy: no score

  // In service on a reachable peer. This copy stands by only when it is that
  // peer's in-sync target and restore would take over were the peer gone:
  // Pacemaker promotes from the scores it already has when it fences a
  // source, before any monitor could update them.
  if (q.local.source != d.peer || q.local.sync_state != flags::SyncState::InSync || q.local.data_corrupt) {
    p.reason = "TAG is in service on " + d.peer + " and this copy is not its in-sync target";
    return p;
  }
  auto without_source = q;
  for (auto& peer : without_source.peers)
    if (peer.node == d.peer || peer.in_service) {
      peer.reachable = false;
      peer.in_service = false;
    }
  const auto if_gone = flags::decide_service(without_source);
  if (!flags::goes_in_service(if_gone.action)) {
    p.reason = "TAG is in service on " + d.peer + "; were it gone, restore here would refuse: " + if_gone.reason;
    return p;
  }
  p.standing = Standing::kStandby;
  p.score = candidate_score(priority);
  p.reason = "in-sync target of " + d.peer + ", which has TAG in service; restore would take over here if " + d.peer +
             " failed";
  return p;
}

std::string_view to_string(Standing standing) {
  switch (standing) {
    case Standing::kPromoted: return "promoted";
    case Standing::kCandidate: return "candidate";
    case Standing::kStandby: return "standby";
    case Standing::kNone: return "none";
  }
  return "none";
}

}  // namespace netraid::mirror::promotion
