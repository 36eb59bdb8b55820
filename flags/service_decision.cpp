// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/service_decision.hpp"

namespace netraid::flags {

namespace {

ServiceDecision refuse(ServiceAction action, std::string reason, std::string peer = {}) {
  ServiceDecision d;
  d.action = action;
  d.reason = std::move(reason);
  d.peer = std::move(peer);
  return d;
}

const PeerReport* find_peer(const ServiceQuery& q, const std::optional<std::string>& node) {
  if (!node) return nullptr;
  for (const auto& p : q.peers)
    if (p.node == *node) return &p;
  return nullptr;
}

// How each reachable peer would resync from this node as source.
std::vector<TargetPlan> plan_targets(const ServiceQuery& q, const Generation& source_generation) {
  std::vector<TargetPlan> plans;
  for (const auto& p : q.peers) {
    if (!p.reachable) continue;
    ResyncQuery r;
    r.source_generation = source_generation;
    r.source_array_uuid = q.leg.array_uuid;
    r.source_bitmap_usable = q.leg.bitmap_usable;
    r.source_bitmap_events_cleared = q.leg.bitmap_events_cleared;
    r.target_has_superblock = p.leg.has_superblock;
    r.target_array_uuid = p.leg.array_uuid;
    r.target_events = p.leg.events;
    r.target_generation = p.flags.generation;
    r.target_sync_state = p.flags.sync_state;
    plans.push_back({p.node, decide_resync(r)});
  }
  return plans;
}

ServiceDecision go_in_service(const ServiceQuery& q, std::string reason) {
  ServiceDecision d;
  d.targets = plan_targets(q, q.local.generation);
  bool full = false;
  for (const auto& t : d.targets) full = full || t.resync.kind == ResyncKind::Full;
  d.action = full ? ServiceAction::InServiceFullResync : ServiceAction::InServicePartialResync;
  d.reason = std::move(reason);
  d.start_new_generation = true;
  return d;
}

std::vector<std::string> unreachable_peers(const ServiceQuery& q) {
  std::vector<std::string> names;
  for (const auto& p : q.peers)
    if (!p.reachable) names.push_back(p.node);
  return names;
}

std::string unreachable_list(const ServiceQuery& q) {
  std::string names;
  for (const auto& n : unreachable_peers(q)) names += (names.empty() ? "" : ", ") + n;
  return names;
}

}  // namespace

ServiceDecision decide_service(const ServiceQuery& q) {
  if (q.already_in_service) return refuse(ServiceAction::AlreadyInService, "TAG is already in service on " + q.node);

  for (const auto& p : q.peers)
    if (p.reachable && p.in_service) {
      auto d = refuse(ServiceAction::RefuseInServiceElsewhere,
                      "TAG is in service on " + p.node + ": this node rejoins as its target when " + p.node +
                          " reconnects it",
                      p.node);
      d.clear_last_owner = q.local.last_owner;
      return d;
    }

  if (!q.leg.has_superblock)
    return refuse(ServiceAction::RefuseNoLocalData,
                  "the local disk has no md superblock of TAG: this node never held a copy (or its disk was "
                  "replaced)");

  const auto previous = q.local.source.value_or("the previous source");
  if (q.local.sync_state == SyncState::Resyncing || q.leg.recovery_incomplete)
    return refuse(ServiceAction::RefuseHalfSynced,
                  "this copy is half-resynced (a resync from " + previous + " was cut): it is not a consistent image",
                  q.local.source.value_or(""));

  if (q.force) {
    ServiceDecision d;
    d.action = ServiceAction::ForceOnline;
    d.clear_data_corrupt = q.local.data_corrupt;
    d.start_new_generation = true;
    d.targets = plan_targets(q, q.local.generation);
    // Forcing means this copy wins: peers that are ahead or diverged are
    // overwritten in full, by the operator's explicit choice.
    for (auto& t : d.targets)
      if (t.resync.kind == ResyncKind::TargetAhead || t.resync.kind == ResyncKind::SplitBrain)
        t.resync = {ResyncKind::Full, false, "forced online on " + q.node + ": " + t.node + "'s writes are discarded"};
    d.reason = "forced online by the operator: this node's copy becomes the source; any writes only other "
               "systems hold are discarded";
    return d;
  }

  // A reachable peer with newer or diverged data forbids going in service.
  for (const auto& p : q.peers) {
    if (!p.reachable) continue;
    const auto relation = relate(q.local.generation, p.flags.generation);
    if (relation == GenerationRelation::TheirsAhead) {
      auto d = refuse(ServiceAction::RefusePeerNewer,
                      p.node + " holds newer data than this node (it was in service later); this node rejoins as "
                               "its target when " + p.node + " resyncs it",
                      p.node);
      d.clear_last_owner = q.local.last_owner;
      return d;
    }
    if (relation == GenerationRelation::Diverged ||
        (relation == GenerationRelation::Unrelated && !q.local.generation.empty())) {
      return refuse(ServiceAction::RefuseSplitBrain,
                    "split brain: this node and " + p.node + " both wrote after they parted; no automatic resync",
                    p.node);
    }
  }

  if (q.local.data_corrupt) {
    std::string reachable;
    for (const auto& p : q.peers)
      if (p.reachable) reachable = p.node;
    auto d = refuse(ServiceAction::RefuseDataCorrupt,
                    "TAG_data_corrupt is set: this node came back as source without reaching its targets" +
                        (reachable.empty() ? std::string{}
                                           : "; " + reachable + " is reachable now and holds no newer data"),
                    reachable);
    d.unreachable = unreachable_peers(q);
    return d;
  }

  if (q.local.last_owner) {
    if (q.peers.empty()) return go_in_service(q, "this node was the source and the mirror has no targets");
    bool any_reachable = false;
    for (const auto& p : q.peers) any_reachable = any_reachable || p.reachable;
    if (!any_reachable) {
      auto d = refuse(ServiceAction::RefuseDataCorrupt,
                      "this node was the source but cannot reach " + unreachable_list(q) +
                          ", which may have taken over with newer data: TAG_data_corrupt set");
      d.set_data_corrupt = true;
      d.unreachable = unreachable_peers(q);
      return d;
    }
    const auto down = unreachable_list(q);
    return go_in_service(q, "this node was the source" +
                                (down.empty() ? std::string{} : "; " + down + " will be resynced when it returns"));
  }

  // This node was the source and released TAG cleanly (remove clears
  // TAG_last_owner but keeps TAG_source): stop/start on the same system.
  // No reachable peer is in service, newer or diverged (checked above); a
  // target that cannot be asked may have taken over since the release.
  if (q.local.source == q.node && !q.local.generation.empty()) {
    if (q.peers.empty()) return go_in_service(q, "this node was the source (released cleanly) and the mirror has no targets");
    bool any_reachable = false;
    for (const auto& p : q.peers) any_reachable = any_reachable || p.reachable;
    if (!any_reachable) {
      auto d = refuse(ServiceAction::RefuseTargetsUnreachable,
                      "this node released TAG cleanly, but " + unreachable_list(q) +
                          " cannot be reached and may have taken over since");
      d.unreachable = unreachable_peers(q);
      return d;
    }
    const auto down = unreachable_list(q);
    return go_in_service(q, "this node was the source and released TAG cleanly; no target took over since" +
                                (down.empty() ? std::string{} : "; " + down + " will be resynced when it returns"));
  }

  // This node was a target.
  if (!q.local.sync_state || q.local.generation.empty())
    return refuse(ServiceAction::RefuseStale, "this copy was never in sync with a source: it cannot go in service");
  if (q.local.sync_state == SyncState::OutOfSync)
    return refuse(ServiceAction::RefuseStale, "this copy is out of sync (it missed writes of " + previous + ")",
                  q.local.source.value_or(""));

  for (const auto& p : q.peers)
    if (p.reachable && p.flags.last_owner)
      return refuse(ServiceAction::RefusePreviousSourceUp,
                    p.node + " is up and was the source (TAG_last_owner); this node stays its target", p.node);

  const auto* source = find_peer(q, q.local.source);
  if (source && source->reachable)  // planned switchover: the old source stopped cleanly
    return go_in_service(q, "switchover: " + source->node + " released TAG cleanly and this copy is in sync");

  if (q.source_seen_since_boot)
    return go_in_service(q, previous + " failed while this copy was in sync: taking over (" + previous +
                                " resyncs from here when it returns)");

  if (q.wait_timeout_s == 0)
    return go_in_service(q, "not waiting for " + previous + " (wait timeout 0): this copy was in sync when last told");
  if (q.wait_timeout_s > 0 && q.waited_s >= q.wait_timeout_s)
    return go_in_service(q, previous + " did not return within " + std::to_string(q.wait_timeout_s) +
                                " s: taking over with this in-sync copy");
  const auto left = q.wait_timeout_s < 0 ? std::int64_t{-1} : q.wait_timeout_s - q.waited_s;
  const auto remaining = left < 0 ? std::string("until it returns (timeout -1)") : std::to_string(left) + " s more";
  auto d = refuse(ServiceAction::RefuseWaitForPreviousSource,
                  "Out of Sync (Wait for Previous Source): this node came up without " + previous +
                      ", which may hold newer writes; waiting " + remaining,
                  q.local.source.value_or(""));
  d.seconds_left = left;
  return d;
}

std::int64_t waited_seconds(std::optional<std::int64_t> started, std::int64_t now) {
  if (!started || now < *started) return 0;
  return now - *started;
}

bool goes_in_service(ServiceAction action) {
  return action == ServiceAction::InServicePartialResync || action == ServiceAction::InServiceFullResync ||
         action == ServiceAction::ForceOnline || action == ServiceAction::AlreadyInService;
}

std::string_view to_string(ServiceAction action) {
  switch (action) {
    case ServiceAction::AlreadyInService: return "already in service";
    case ServiceAction::InServicePartialResync: return "in service, partial resync";
    case ServiceAction::InServiceFullResync: return "in service, full resync";
    case ServiceAction::ForceOnline: return "force online";
    case ServiceAction::RefuseHalfSynced: return "refuse: half-resynced";
    case ServiceAction::RefuseWaitForPreviousSource: return "refuse: wait for previous source";
    case ServiceAction::RefuseDataCorrupt: return "refuse: data corrupt";
    case ServiceAction::RefuseStale: return "refuse: stale";
    case ServiceAction::RefuseInServiceElsewhere: return "refuse: in service elsewhere";
    case ServiceAction::RefusePreviousSourceUp: return "refuse: previous source up";
    case ServiceAction::RefusePeerNewer: return "refuse: peer newer";
    case ServiceAction::RefuseSplitBrain: return "refuse: split brain";
    case ServiceAction::RefuseNoLocalData: return "refuse: no local data";
    case ServiceAction::RefuseTargetsUnreachable: return "refuse: targets unreachable";
  }
  return "unknown";
}

}  // namespace netraid::flags
