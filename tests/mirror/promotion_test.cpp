// SPDX-License-Identifier: GPL-2.0-or-later
// Promotion scores for Pacemaker (ocf:netraid:netraid) from restore's own
// decision: a copy restore would refuse never gets a score, an in-sync
// target standing by gets one before its source fails (Pacemaker promotes
// from the scores it has when it fences the source), and the system in
// service keeps the highest. n1 is the source, n2 (and n3) targets.
#include <doctest/doctest.h>

#include "netraid/mirror/promotion.hpp"

using namespace netraid;
using flags::Generation;
using flags::NodeFlags;
using flags::PeerReport;
using flags::ServiceQuery;
using flags::SyncState;
using mirror::promotion::Standing;

namespace {
constexpr std::uint64_t G1 = 0x1111, G2 = 0x2222;

flags::LegInfo leg() {
  flags::LegInfo l;
  l.has_superblock = true;
  l.array_uuid = "3f1c9a2e:5b7d4e10:8a2c6f93:0d4e7b21";
  l.events = 21;
  l.bitmap_usable = true;
  return l;
}
NodeFlags source_flags(Generation g) {
  NodeFlags f;
  f.last_owner = true;
  f.source = "n1";
  f.generation = std::move(g);
  return f;
}
NodeFlags target_flags(std::optional<SyncState> state, Generation g, std::string source = "n1") {
  NodeFlags f;
  f.source = std::move(source);
  f.sync_state = state;
  f.generation = std::move(g);
  return f;
}
PeerReport up(std::string node, NodeFlags flags, bool in_service = false) {
  return {std::move(node), true, in_service, std::move(flags), leg()};
}
PeerReport down(std::string node) { return {std::move(node), false, false, {}, {}}; }
ServiceQuery on(std::string node, NodeFlags local, std::vector<PeerReport> peers, bool seen = true) {
  ServiceQuery q;
  q.node = std::move(node);
  q.local = std::move(local);
  q.leg = leg();
  q.peers = std::move(peers);
  q.source_seen_since_boot = seen;
  return q;
}

struct Row {
  const char* name;
  ServiceQuery query;
  int priority;
  Standing standing;
  int score;
  const char* reason_has;
};

void check_row(const Row& row) {
  CAPTURE(row.name);
  const auto p = mirror::promotion::decide(row.query, row.priority);
  CAPTURE(p.reason);
  CHECK(mirror::promotion::to_string(p.standing) == mirror::promotion::to_string(row.standing));
  CHECK(p.score == row.score);
  CHECK(p.reason.find(row.reason_has) != std::string::npos);
  CHECK(p.reason.find('\n') == std::string::npos);
  // Never a score for a copy restore would refuse right now, unless it only
  // stands by for the system that has the mirror in service.
  if (p.score > 0 && p.standing != Standing::kStandby) CHECK(flags::goes_in_service(flags::decide_service(row.query).action));
  if (p.standing == Standing::kNone) CHECK(p.score == 0);
}
}  // namespace

TEST_CASE("promotion: scores follow restore's decision") {
  auto in_service_here = on("n1", source_flags({G1, {}}), {up("n2", target_flags(SyncState::InSync, {G1, {}}))});
  in_service_here.already_in_service = true;

  const std::vector<Row> rows{
      {"the source in service keeps the highest score", in_service_here, 1, Standing::kPromoted, 10000,
       "already in service"},
      {"an in-sync target whose source died is a candidate",
       on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")}), 1, Standing::kCandidate, 999,
       "failed while this copy was in sync"},
      {"an in-sync target of the source in service stands by",
       on("n2", target_flags(SyncState::InSync, {G1, {}}), {up("n1", source_flags({G1, {}}), true)}), 1,
       Standing::kStandby, 999, "in-sync target of n1"},
      {"a lower priority stands by with a lower score",
       on("n3", target_flags(SyncState::InSync, {G1, {}}),
          {up("n1", source_flags({G1, {}}), true), up("n2", target_flags(SyncState::InSync, {G1, {}}))}),
       3, Standing::kStandby, 997, "in-sync target of n1"},
      {"a stale target gets nothing",
       on("n2", target_flags(SyncState::OutOfSync, {G1, {}}), {down("n1")}), 1, Standing::kNone, 0, "out of sync"},
      {"a stale target of the source in service gets nothing",
       on("n2", target_flags(SyncState::OutOfSync, {G1, {}}), {up("n1", source_flags({G1, {}}), true)}), 1,
       Standing::kNone, 0, "not its in-sync target"},
      {"a half-resynced target gets nothing",
       on("n2", target_flags(SyncState::Resyncing, {G1, {}}), {down("n1")}), 1, Standing::kNone, 0,
       "half-resynced"},
      {"a target being resynced by the source in service gets nothing",
       on("n2", target_flags(SyncState::Resyncing, {G1, {}}), {up("n1", source_flags({G1, {}}), true)}), 1,
       Standing::kNone, 0, "not its in-sync target"},
      {"a target that came up without its source waits: nothing",
       on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")}, /*seen=*/false), 1, Standing::kNone, 0,
       "Wait for Previous Source"},
      {"a standby that would have to wait for the source if it failed gets nothing",
       on("n2", target_flags(SyncState::InSync, {G1, {}}), {up("n1", source_flags({G1, {}}), true)}, false), 1,
       Standing::kNone, 0, "restore here would refuse"},
      {"an old source back while the new one is in service gets nothing until resynced",
       on("n1", source_flags({G1, {}}), {up("n2", source_flags({G2, {G1}}), true)}), 1, Standing::kNone, 0,
       "not its in-sync target"},
      {"an old source that cannot reach its target gets nothing (data_corrupt)",
       on("n1", source_flags({G1, {}}), {down("n2")}), 1, Standing::kNone, 0, "cannot reach n2"},
      {"the source that released cleanly is a candidate (stop/start)",
       [] {
         auto f = source_flags({G1, {}});
         f.last_owner = false;
         return on("n1", f, {up("n2", target_flags(SyncState::InSync, {G1, {}}))});
       }(),
       1, Standing::kCandidate, 999, "released TAG cleanly"},
      {"its in-sync target is a candidate too (switchover)",
       [] {
         auto f = source_flags({G1, {}});
         f.last_owner = false;
         return on("n2", target_flags(SyncState::InSync, {G1, {}}), {up("n1", f)});
       }(),
       2, Standing::kCandidate, 998, "switchover"},
      {"a target while its source is up with last_owner (not in service) gets nothing",
       on("n2", target_flags(SyncState::InSync, {G1, {}}), {up("n1", source_flags({G1, {}}))}), 1, Standing::kNone,
       0, "n1 is up and was the source"},
  };
  for (const auto& row : rows) check_row(row);
}

TEST_CASE("promotion: data_corrupt and a data-less disk never score") {
  auto corrupt = on("n1", source_flags({G1, {}}), {up("n2", target_flags(SyncState::InSync, {G1, {}}))});
  corrupt.local.data_corrupt = true;
  CHECK(mirror::promotion::decide(corrupt, 1).score == 0);
  auto blank = on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")});
  blank.leg = {};
  CHECK(mirror::promotion::decide(blank, 1).score == 0);
  // A huge priority still leaves a positive score for a valid candidate.
  CHECK(mirror::promotion::decide(on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")}), 5000).score == 1);
}
