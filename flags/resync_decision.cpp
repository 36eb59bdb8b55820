// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/resync_decision.hpp"

namespace netraid::flags {

namespace {

ResyncPlan plan(ResyncKind kind, bool merge, std::string reason) { return {kind, merge, std::move(reason)}; }

}  // namespace

bool tell_resyncing_before_copy(std::optional<SyncState> target_sync_state) {
  return target_sync_state != SyncState::OutOfSync && target_sync_state != SyncState::Resyncing;
}

ResyncPlan decide_resync(const ResyncQuery& q) {
  if (!q.target_has_superblock)
    return plan(ResyncKind::Full, false, "target disk has no md superblock (blank or replaced): full resync");
  if (q.target_array_uuid != q.source_array_uuid)
    return plan(ResyncKind::Full, false,
                "target disk belongs to array " + q.target_array_uuid + ", not " + q.source_array_uuid +
                    " (replaced or reused disk): full resync");
  const auto relation = relate(q.source_generation, q.target_generation);
  switch (relation) {
    case GenerationRelation::TheirsEmpty:
      return plan(ResyncKind::Full, false, "target never completed a sync (no generation): full resync");
    case GenerationRelation::MineEmpty:
      return plan(ResyncKind::SplitBrain, false,
                  "source has no data generation but the target has one: refusing to guess a direction");
    case GenerationRelation::TheirsAhead:
      return plan(ResyncKind::TargetAhead, false,
                  "target holds a newer data generation than the source (it was in service after the source's "
                  "copy was taken): resyncing would destroy its writes");
    case GenerationRelation::Diverged:
    case GenerationRelation::Unrelated:
      return plan(ResyncKind::SplitBrain, false,
                  std::string("split brain: source and target both wrote after they parted (generations ") +
                      std::string(to_string(relation)) + "); no automatic resync");
    case GenerationRelation::Same:
    case GenerationRelation::TheirsBehind:
      break;
  }
  if (q.target_exposed)
    return plan(ResyncKind::Full, false,
                "the target's copy was written on its own system while paused (or it cannot tell that it was not); "
                "the bitmap does not cover those writes: full resync");
  if (!q.source_bitmap_usable)
    return plan(ResyncKind::Full, false, "source bitmap is missing or stale and cannot tell what changed: full resync");
  // md's own rule (super_1_validate): a member whose events are older than
  // the bitmap's events_cleared missed writes the bitmap no longer shows.
  if (q.target_events < q.source_bitmap_events_cleared)
    return plan(ResyncKind::Full, false,
                "source bitmap was cleared after the target left (target events " + std::to_string(q.target_events) +
                    " < events_cleared " + std::to_string(q.source_bitmap_events_cleared) + "): full resync");
  const bool clean = relation == GenerationRelation::Same && q.target_sync_state == SyncState::InSync;
  if (clean) return plan(ResyncKind::Partial, false, "same data generation, target in sync: bitmap resync");
  // A half-resynced copy is merged too: the source that was resyncing it may
  // have died before its own bitmap reached its disk.
  const bool merge = q.target_was_source ||
                     (q.target_sync_state != SyncState::OutOfSync && q.target_sync_state != SyncState::InSync);
  if (!merge)
    return plan(ResyncKind::Partial, false,
                "target only missed writes of the source (it never was a source since): bitmap resync of the "
                "source's dirty chunks");
  return plan(ResyncKind::Partial, true,
              relation == GenerationRelation::Same
                  ? "same data generation, target was not in sync: bitmap resync of the source's and target's dirty chunks"
                  : "target missed later writes of the source: bitmap resync of the source's and target's dirty chunks");
}

ResyncPlan decide_peer_in_service(const Generation& self_generation, const std::string& peer,
                                  const Generation& peer_generation) {
  return plan(ResyncKind::SplitBrain, false,
              "split brain: " + peer + " has TAG in service too (generations " +
                  std::string(to_string(relate(self_generation, peer_generation))) +
                  "): both may hold writes the other never saw; no automatic resync either way");
}

std::string_view to_string(ResyncKind kind) {
  switch (kind) {
    case ResyncKind::Partial: return "partial";
    case ResyncKind::Full: return "full";
    case ResyncKind::TargetAhead: return "target ahead";
    case ResyncKind::SplitBrain: return "split brain";
  }
  return "unknown";
}

}  // namespace netraid::flags
