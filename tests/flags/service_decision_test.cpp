// SPDX-License-Identifier: GPL-2.0-or-later
// The restore decision against DataKeeper's four 2-node scenarios (issue 7)
// and the cases between them. n1 is the original source, n2 its target.
#include <doctest/doctest.h>

#include "netraid/flags/service_decision.hpp"

using namespace netraid::flags;

namespace {
constexpr std::uint64_t G1 = 0x1111, G2 = 0x2222, G3 = 0x3333;
const std::string kUuid = "3f1c9a2e:5b7d4e10:8a2c6f93:0d4e7b21";

LegInfo leg(std::uint64_t events = 21) {
  LegInfo l;
  l.has_superblock = true;
  l.array_uuid = kUuid;
  l.events = events;
  l.bitmap_usable = true;
  l.bitmap_events_cleared = 17;
  return l;
}

// Flags of a system that is (or was, when it went down) the source.
NodeFlags source_flags(Generation g) {
  NodeFlags f;
  f.last_owner = true;
  f.generation = std::move(g);
  return f;
}

// Flags of a target as its source last told it.
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

ServiceQuery on(std::string node, NodeFlags local, std::vector<PeerReport> peers) {
  ServiceQuery q;
  q.node = std::move(node);
  q.local = std::move(local);
  q.leg = leg();
  q.peers = std::move(peers);
  return q;
}

struct Effects {
  bool set_data_corrupt = false;
  bool clear_data_corrupt = false;
  bool clear_last_owner = false;
  bool new_generation = false;
};

struct Row {
  const char* name;
  ServiceQuery query;
  ServiceAction action;
  Effects effects;
  std::vector<std::pair<std::string, ResyncKind>> targets;
  const char* reason_has;
};

void check_row(const Row& row) {
  CAPTURE(row.name);
  const auto d = decide_service(row.query);
  CAPTURE(d.reason);
  CHECK(to_string(d.action) == to_string(row.action));
  CHECK(d.set_data_corrupt == row.effects.set_data_corrupt);
  CHECK(d.clear_data_corrupt == row.effects.clear_data_corrupt);
  CHECK(d.clear_last_owner == row.effects.clear_last_owner);
  CHECK(d.start_new_generation == row.effects.new_generation);
  std::vector<std::pair<std::string, ResyncKind>> got;
  for (const auto& t : d.targets) got.emplace_back(t.node, t.resync.kind);
  CHECK(got == row.targets);
  CHECK(d.reason.find(row.reason_has) != std::string::npos);
  CHECK(d.reason.find('\n') == std::string::npos);
  // What to do is the front end's to say (mirror/advice): no command here.
  CHECK(d.reason.find('`') == std::string::npos);
  CHECK(d.reason.find("netraid") == std::string::npos);
  CHECK(d.reason.find("mirror_action") == std::string::npos);
  CHECK(goes_in_service(d.action) ==
        (row.action == ServiceAction::InServicePartialResync || row.action == ServiceAction::InServiceFullResync ||
         row.action == ServiceAction::ForceOnline || row.action == ServiceAction::AlreadyInService));
}

const Effects kNewTerm{false, false, false, true};
const Effects kNone{};
}  // namespace

TEST_CASE("service: Scenario 1 - source fails in sync, target takes over, old source returns as target") {
  auto failover = on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")});
  failover.source_seen_since_boot = true;

  auto old_source_boots = on("n1", source_flags({G1, {}}),
                             {up("n2", source_flags({G2, {G1}}), /*in_service=*/true)});

  // n2, in service, plans how n1 comes back (what `resync` would do).
  auto n1_as_target = target_flags(std::nullopt, {G1, {}});
  n1_as_target.last_owner = false;
  auto n2_in_service = on("n2", source_flags({G2, {G1}}), {up("n1", n1_as_target)});
  n2_in_service.already_in_service = true;

  const std::vector<Row> rows{
      {"target restores after its in-sync source died", failover, ServiceAction::InServicePartialResync, kNewTerm, {},
       "failed while this copy was in sync"},
      {"old source boots while the new source is in service: refused, drops last_owner", old_source_boots,
       ServiceAction::RefuseInServiceElsewhere, {false, false, true, false}, {}, "in service on n2"},
      {"restore again on the new source is idempotent", n2_in_service, ServiceAction::AlreadyInService, kNone, {},
       "already in service"},
  };
  for (const auto& row : rows) check_row(row);

  // The old source's resync: partial, with its own dirty chunks merged in.
  ResyncQuery r;
  r.source_generation = {G2, {G1}};
  r.source_array_uuid = kUuid;
  r.source_bitmap_events_cleared = 17;
  r.target_has_superblock = true;
  r.target_array_uuid = kUuid;
  r.target_events = 21;
  r.target_generation = {G1, {}};
  const auto plan = decide_resync(r);
  CHECK(plan.kind == ResyncKind::Partial);
  CHECK(plan.merge_target_bitmap);
}

TEST_CASE("service: Scenario 2 - the new source dies during the resync of the old one") {
  auto half = on("n1", target_flags(SyncState::Resyncing, {G1, {}}, "n2"), {down("n2")});
  half.source_seen_since_boot = true;
  auto half_forced = half;
  half_forced.force = true;
  auto cut_in_superblock = on("n1", target_flags(SyncState::InSync, {G1, {}}, "n2"), {down("n2")});
  cut_in_superblock.leg.recovery_incomplete = true;
  cut_in_superblock.source_seen_since_boot = true;
  auto waited_long = half;
  waited_long.wait_timeout_s = 0;

  auto n1_half = target_flags(SyncState::Resyncing, {G1, {}}, "n2");
  auto source_returns = on("n2", source_flags({G2, {G1}}), {up("n1", n1_half)});
  source_returns.peers[0].leg.recovery_incomplete = true;

  const std::vector<Row> rows{
      {"half-resynced copy refuses restore", half, ServiceAction::RefuseHalfSynced, kNone, {}, "half-resynced"},
      {"force cannot bring a half-resynced copy in service", half_forced, ServiceAction::RefuseHalfSynced, kNone,
       {}, "not a consistent image"},
      {"an interrupted rebuild in the superblock counts even if the flag says in_sync", cut_in_superblock,
       ServiceAction::RefuseHalfSynced, kNone, {}, "half-resynced"},
      {"no wait timeout makes a half-resynced copy usable", waited_long, ServiceAction::RefuseHalfSynced, kNone, {},
       "half-resynced"},
      {"the new source returns: in service, finishes the resync partially", source_returns,
       ServiceAction::InServicePartialResync, kNewTerm, {{"n1", ResyncKind::Partial}}, "was the source"},
  };
  for (const auto& row : rows) check_row(row);
}

TEST_CASE("service: Scenario 3 - both die, the old source boots first and cannot reach its target") {
  const auto alone = on("n1", source_flags({G1, {}}), {down("n2")});

  auto flagged = source_flags({G1, {}});
  flagged.data_corrupt = true;
  const auto still_flagged = on("n1", flagged, {down("n2")});
  auto forced = still_flagged;
  forced.force = true;
  const auto target_back = on("n1", flagged, {up("n2", target_flags(SyncState::InSync, {G1, {}}))});
  auto forced_with_target = target_back;
  forced_with_target.force = true;

  const std::vector<Row> rows{
      {"old source alone: refuse and set data_corrupt", alone, ServiceAction::RefuseDataCorrupt,
       {true, false, false, false}, {}, "TAG_data_corrupt set"},
      {"flag already set: still refused, not set again", still_flagged, ServiceAction::RefuseDataCorrupt, kNone, {},
       "TAG_data_corrupt is set"},
      {"operator forces: flag cleared, in service, new term", forced, ServiceAction::ForceOnline,
       {false, true, false, true}, {}, "forced online"},
      {"target reachable again: still refused, but told forcing is safe", target_back,
       ServiceAction::RefuseDataCorrupt, kNone, {}, "n2 is reachable now and holds no newer data"},
      {"forced with the target back: target resyncs partially", forced_with_target, ServiceAction::ForceOnline,
       {false, true, false, true}, {{"n2", ResyncKind::Partial}}, "forced online"},
  };
  for (const auto& row : rows) check_row(row);
}

TEST_CASE("service: Scenario 4 - both die, the target boots first") {
  const auto target_first = on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")});
  auto bounded = target_first;
  bounded.wait_timeout_s = 300;
  bounded.waited_s = 100;
  auto expired = bounded;
  expired.waited_s = 300;
  auto no_wait = target_first;
  no_wait.wait_timeout_s = 0;

  const auto source_back = on("n1", source_flags({G1, {}}),
                              {up("n2", target_flags(SyncState::InSync, {G1, {}}))});
  const auto target_again =
      on("n2", target_flags(SyncState::InSync, {G1, {}}), {up("n1", source_flags({G1, {}}))});

  const std::vector<Row> rows{
      {"target up first, wait forever", target_first, ServiceAction::RefuseWaitForPreviousSource, kNone, {},
       "Wait for Previous Source"},
      {"bounded wait not over", bounded, ServiceAction::RefuseWaitForPreviousSource, kNone, {}, "200 s more"},
      {"bounded wait over: in service", expired, ServiceAction::InServicePartialResync, kNewTerm, {},
       "did not return within 300 s"},
      {"timeout 0: no waiting", no_wait, ServiceAction::InServicePartialResync, kNewTerm, {}, "not waiting"},
      {"source returns: in service there, target resyncs partially", source_back,
       ServiceAction::InServicePartialResync, kNewTerm, {{"n2", ResyncKind::Partial}}, "was the source"},
      {"restore on the target while the source is up: refused", target_again, ServiceAction::RefusePreviousSourceUp,
       kNone, {}, "n1 is up and was the source"},
  };
  for (const auto& row : rows) check_row(row);

  // The parameters a front end words its advice from.
  CHECK(decide_service(target_first).peer == "n1");
  CHECK(decide_service(target_first).seconds_left == -1);
  CHECK(decide_service(bounded).seconds_left == 200);
  CHECK(decide_service(target_again).peer == "n1");
}

TEST_CASE("service: a refusal names the systems it is about") {
  const auto alone = on("n1", source_flags({G1, {}}), {down("n2"), down("n3")});
  const auto d = decide_service(alone);
  CHECK(d.action == ServiceAction::RefuseDataCorrupt);
  CHECK(d.unreachable == std::vector<std::string>{"n2", "n3"});
  const auto elsewhere = on("n2", target_flags(SyncState::InSync, {G1, {}}),
                            {up("n1", source_flags({G1, {}}), /*in_service=*/true)});
  CHECK(decide_service(elsewhere).action == ServiceAction::RefuseInServiceElsewhere);
  CHECK(decide_service(elsewhere).peer == "n1");
  const auto half = on("n1", target_flags(SyncState::Resyncing, {G1, {}}, "n2"), {down("n2")});
  CHECK(decide_service(half).peer == "n2");
}

TEST_CASE("service: stale targets, split brain and newer peers are never brought in silently") {
  auto told_out_of_sync = on("n2", target_flags(SyncState::OutOfSync, {G1, {}}), {down("n1")});
  told_out_of_sync.source_seen_since_boot = true;
  auto stale_forced = told_out_of_sync;
  stale_forced.force = true;
  const auto never_synced = on("n2", target_flags(std::nullopt, {}), {down("n1")});

  // n2 was forced (G3 from G1) while n1 kept writing (G2 from G1).
  const auto split =
      on("n1", source_flags({G2, {G1}}), {up("n2", source_flags({G3, {G1}}))});
  // n2 took over (G2) and was stopped cleanly; n1 still has G1.
  const auto peer_newer =
      on("n1", source_flags({G1, {}}), {up("n2", target_flags(SyncState::InSync, {G2, {G1}}))});
  auto forced_over_newer = peer_newer;
  forced_over_newer.force = true;

  const std::vector<Row> rows{
      {"target told out_of_sync: stale", told_out_of_sync, ServiceAction::RefuseStale, kNone, {}, "out of sync"},
      {"operator accepts a stale copy by force", stale_forced, ServiceAction::ForceOnline,
       {false, false, false, true}, {}, "forced online"},
      {"never in sync", never_synced, ServiceAction::RefuseStale, kNone, {}, "never in sync"},
      {"split brain at reconnect: refused", split, ServiceAction::RefuseSplitBrain, kNone, {},
       "both wrote after they parted"},
      {"peer holds newer data: refused, rejoin as its target", peer_newer, ServiceAction::RefusePeerNewer,
       {false, false, true, false}, {}, "holds newer data"},
      {"forcing over a newer peer overwrites it in full, by choice", forced_over_newer, ServiceAction::ForceOnline,
       {false, false, false, true}, {{"n2", ResyncKind::Full}}, "discarded"},
  };
  for (const auto& row : rows) check_row(row);
}

TEST_CASE("service: stop and start on the same system (remove, then restore)") {
  // remove clears TAG_last_owner and keeps TAG_source = this node.
  const auto released = target_flags(std::nullopt, {G1, {}}, "n1");
  const auto target_up = on("n1", released, {up("n2", target_flags(SyncState::InSync, {G1, {}}))});
  const auto target_down = on("n1", released, {down("n2")});
  const auto alone = on("n1", released, {});
  const auto one_of_two_up =
      on("n1", released, {up("n2", target_flags(SyncState::InSync, {G1, {}})), down("n3")});
  // n2 took over by switchover after the release (G2 from G1), then stopped cleanly.
  const auto took_over_since = on("n1", released, {up("n2", target_flags(std::nullopt, {G2, {G1}}, "n2"))});
  // A target of n1 that never held the source role cannot pass for the released source.
  const auto not_the_source = on("n2", target_flags(std::nullopt, {G1, {}}, "n1"), {up("n1", released)});

  const std::vector<Row> rows{
      {"released cleanly, target reachable: in service again, partial resync", target_up,
       ServiceAction::InServicePartialResync, kNewTerm, {{"n2", ResyncKind::Partial}}, "released TAG cleanly"},
      {"released cleanly, no target reachable: a target may have taken over", target_down,
       ServiceAction::RefuseTargetsUnreachable, kNone, {}, "may have taken over since"},
      {"released cleanly, no targets at all", alone, ServiceAction::InServicePartialResync, kNewTerm, {},
       "no targets"},
      {"released cleanly, one target of two reachable: in service, the other later", one_of_two_up,
       ServiceAction::InServicePartialResync, kNewTerm, {{"n2", ResyncKind::Partial}}, "n3 will be resynced"},
      {"a target took over after the release: refused, rejoin as its target", took_over_since,
       ServiceAction::RefusePeerNewer, kNone, {}, "holds newer data"},
      {"a target that was never in sync is not the released source", not_the_source, ServiceAction::RefuseStale,
       kNone, {}, "never in sync"},
  };
  for (const auto& row : rows) check_row(row);
}

TEST_CASE("service: the wait for the previous source is counted from its first refusal") {
  CHECK(waited_seconds(std::nullopt, 1000) == 0);
  CHECK(waited_seconds(1000, 1000) == 0);
  CHECK(waited_seconds(1000, 1021) == 21);
  CHECK(waited_seconds(1000, 900) == 0);  // the clock went back: start over, never negative
}

TEST_CASE("service: switchover, blank targets, several targets, bad inputs") {
  // Planned move: n1 stopped cleanly (no last_owner), n2 in sync.
  auto n1_released = target_flags(std::nullopt, {G1, {}});
  const auto switchover = on("n2", target_flags(SyncState::InSync, {G1, {}}), {up("n1", n1_released)});

  auto blank = up("n2", target_flags(std::nullopt, {}));
  blank.leg = {};
  const auto with_blank = on("n1", source_flags({G1, {}}), {blank});

  const auto three = on("n1", source_flags({G1, {}}),
                        {up("n2", target_flags(SyncState::InSync, {G1, {}})), down("n3")});
  const auto single = on("n1", source_flags({G1, {}}), {});

  auto no_disk = on("n2", target_flags(SyncState::InSync, {G1, {}}), {down("n1")});
  no_disk.leg = {};
  no_disk.force = true;

  auto elsewhere_forced = on("n2", target_flags(SyncState::InSync, {G1, {}}),
                             {up("n1", source_flags({G1, {}}), /*in_service=*/true)});
  elsewhere_forced.force = true;

  const std::vector<Row> rows{
      {"switchover to an in-sync target: partial resync of the old source", switchover,
       ServiceAction::InServicePartialResync, kNewTerm, {{"n1", ResyncKind::Partial}}, "switchover"},
      {"source with a blank target disk: in service, full resync", with_blank, ServiceAction::InServiceFullResync,
       kNewTerm, {{"n2", ResyncKind::Full}}, "was the source"},
      {"one of two targets down: in service, named for later", three, ServiceAction::InServicePartialResync,
       kNewTerm, {{"n2", ResyncKind::Partial}}, "n3 will be resynced"},
      {"mirror without targets", single, ServiceAction::InServicePartialResync, kNewTerm, {}, "no targets"},
      {"no md superblock here, even forced", no_disk, ServiceAction::RefuseNoLocalData, kNone, {},
       "no md superblock"},
      {"force while in service elsewhere: refused", elsewhere_forced, ServiceAction::RefuseInServiceElsewhere,
       kNone, {}, "in service on n1"},
  };
  for (const auto& row : rows) check_row(row);
}
