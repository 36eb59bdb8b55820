// SPDX-License-Identifier: GPL-2.0-or-later
// Tables for mirror/failover_plan: every row is one observed situation and the
// expected outcome.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>

#include "netraid/mirror/failover_plan.hpp"

using namespace netraid;
using namespace netraid::mirror;
using flags::SyncState;

TEST_CASE("observed_target_state: md's member state to the target's sync state") {
  struct Row {
    bool in_array, faulty;
    const char* state;
    SyncState want;
  };
  const Row rows[] = {
      {true, false, "in_sync,write_mostly\n", SyncState::InSync},
      {true, false, "in_sync", SyncState::InSync},
      {true, false, "write_mostly,in_sync", SyncState::InSync},
      {true, false, "write_mostly\n", SyncState::Resyncing},  // being rebuilt
      {true, false, "", SyncState::Resyncing},
      {true, false, "faulty,write_mostly", SyncState::OutOfSync},
      {true, true, "in_sync", SyncState::OutOfSync},
      {false, false, "", SyncState::OutOfSync},                    // not a member (lost, paused)
      {true, false, "want_replacement,in_sync", SyncState::InSync},
      {true, false, "not_in_sync", SyncState::Resyncing},         // a word is not a substring match
  };
  for (const auto& r : rows) {
    CAPTURE(r.state);
    CHECK(failover::observed_target_state(r.in_array, r.faulty, r.state) == r.want);
  }
}

TEST_CASE("plan_target_update: record and tell every change, hand over the generation in sync") {
  struct Row {
    std::optional<SyncState> before;
    SyncState now;
    bool record, tell, give;
  };
  const Row rows[] = {
      {std::nullopt, SyncState::Resyncing, true, true, false},
      {std::nullopt, SyncState::InSync, true, true, true},
      {std::nullopt, SyncState::OutOfSync, true, true, false},
      {SyncState::Resyncing, SyncState::Resyncing, false, false, false},
      {SyncState::Resyncing, SyncState::InSync, true, true, true},
      {SyncState::InSync, SyncState::InSync, false, false, false},
      {SyncState::InSync, SyncState::OutOfSync, true, true, false},  // over the command path
      {SyncState::OutOfSync, SyncState::Resyncing, true, true, false},
      {SyncState::OutOfSync, SyncState::OutOfSync, false, false, false},
  };
  for (const auto& r : rows) {
    const auto u = failover::plan_target_update(r.before, r.now);
    CHECK(u.record == r.record);
    CHECK(u.tell_target == r.tell);
    CHECK(u.give_generation == r.give);
  }
}

TEST_CASE("generation argument: round trip and strict parsing") {
  flags::Generation g{0x1a2b, {0x11, 0xffffffffffffffffull}};
  CHECK(failover::generation_to_arg(g) == "0000000000001a2b,0000000000000011,ffffffffffffffff");
  CHECK(failover::generation_from_arg(failover::generation_to_arg(g)) == g);
  CHECK(failover::generation_from_arg("1a2b") == flags::Generation{0x1a2b, {}});
  for (const char* bad : {"", "0", ",", "1a2b,", "XYZ", "1A2B", "1a2b,,11", "12345678901234567", "1a 2b", "-1"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(failover::generation_from_arg(bad), std::invalid_argument);
  }
}

TEST_CASE("flags report: round trip and refusal of foreign or torn answers") {
  flags::PeerReport r;
  r.node = "n2";
  r.reachable = true;
  r.in_service = true;
  r.flags.last_owner = true;
  r.flags.source = "n1";
  r.flags.data_corrupt = false;
  r.flags.sync_state = SyncState::Resyncing;
  r.flags.generation = {0x22, {0x11}};
  r.leg = {true, "3f1c9a2e:5b7d4e10:8a2c6f93:0d4e7b21", 42, true, true, 17};
  const auto back = failover::parse_report("n2", failover::render_report(r));
  CHECK(back.node == "n2");
  CHECK(back.reachable);
  CHECK(back.in_service);
  CHECK(back.flags.last_owner);
  CHECK(back.flags.source == std::optional<std::string>("n1"));
  CHECK(back.flags.sync_state == SyncState::Resyncing);
  CHECK(back.flags.generation == r.flags.generation);
  CHECK(back.leg.array_uuid == r.leg.array_uuid);
  CHECK(back.leg.events == 42);
  CHECK(back.leg.recovery_incomplete);
  CHECK(back.leg.bitmap_events_cleared == 17);

  flags::PeerReport empty;
  empty.node = "n3";
  const auto e = failover::parse_report("n3", failover::render_report(empty));
  CHECK(e.reachable);  // it answered
  CHECK_FALSE(e.flags.source.has_value());
  CHECK_FALSE(e.flags.sync_state.has_value());
  CHECK(e.flags.generation.empty());
  CHECK_FALSE(e.leg.has_superblock);

  const auto good = failover::render_report(r);
  CHECK_THROWS_AS(failover::parse_report("n3", good), std::invalid_argument);  // answer names another system
  CHECK_THROWS_AS(failover::parse_report("n2", good.substr(0, good.size() / 2)), std::invalid_argument);  // torn
  CHECK_THROWS_AS(failover::parse_report("n2", "not json"), std::invalid_argument);
  CHECK_THROWS_AS(failover::parse_report("n2", "{}"), std::invalid_argument);
  auto bad_state = good;
  bad_state.replace(bad_state.find("\"resyncing\""), 11, "\"sleeping\"");
  CHECK_THROWS_AS(failover::parse_report("n2", bad_state), std::invalid_argument);
}

TEST_CASE("effective_sync_state: the source's record can only make this copy's state worse") {
  using O = std::optional<SyncState>;
  struct Row {
    O own, recorded, want;
  };
  const Row rows[] = {
      {SyncState::InSync, std::nullopt, SyncState::InSync},
      {SyncState::InSync, SyncState::InSync, SyncState::InSync},
      {SyncState::InSync, SyncState::OutOfSync, SyncState::OutOfSync},  // dropped out, never told
      {SyncState::InSync, SyncState::Resyncing, SyncState::Resyncing},
      {SyncState::Resyncing, SyncState::InSync, SyncState::Resyncing},  // half-resynced stays so
      {SyncState::OutOfSync, SyncState::InSync, SyncState::OutOfSync},
      {SyncState::Resyncing, SyncState::OutOfSync, SyncState::OutOfSync},
      {std::nullopt, SyncState::InSync, std::nullopt},                  // never told: never in sync
      {std::nullopt, SyncState::OutOfSync, std::nullopt},
  };
  for (const auto& r : rows) CHECK(failover::effective_sync_state(r.own, r.recorded) == r.want);
}

TEST_CASE("reported_target_state: a source's record of one target") {
  flags::PeerReport r;
  r.node = "n1";
  const auto text = failover::render_report(r, {{"n2", SyncState::OutOfSync}, {"n3", SyncState::InSync}});
  CHECK(failover::reported_target_state(text, "n2") == std::optional<SyncState>(SyncState::OutOfSync));
  CHECK(failover::reported_target_state(text, "n3") == std::optional<SyncState>(SyncState::InSync));
  CHECK_FALSE(failover::reported_target_state(text, "n4").has_value());
  CHECK_FALSE(failover::reported_target_state(failover::render_report(r), "n2").has_value());
  auto bad = text;
  bad.replace(bad.find("\"out_of_sync\""), 13, "\"gone\"");
  CHECK_THROWS_AS(failover::reported_target_state(bad, "n2"), std::invalid_argument);
}

TEST_CASE("refusal_class: every refusal has a distinct machine name, other actions none") {
  using flags::ServiceAction;
  std::set<std::string_view> names;
  for (const auto action : {ServiceAction::RefuseWaitForPreviousSource, ServiceAction::RefuseStale,
                            ServiceAction::RefuseSplitBrain, ServiceAction::RefuseInServiceElsewhere,
                            ServiceAction::RefusePreviousSourceUp, ServiceAction::RefuseHalfSynced,
                            ServiceAction::RefuseDataCorrupt, ServiceAction::RefusePeerNewer,
                            ServiceAction::RefuseNoLocalData, ServiceAction::RefuseTargetsUnreachable}) {
    const auto name = failover::refusal_class(action);
    CHECK(!name.empty());
    CHECK(name.find(' ') == std::string_view::npos);
    names.insert(name);
  }
  CHECK(names.size() == 10);
  CHECK(failover::refusal_class(ServiceAction::ForceOnline).empty());
}

TEST_CASE("refusal_exit_code: each refusal class has its own code, apart from the shared ones") {
  using flags::ServiceAction;
  const ServiceAction refusals[] = {
      ServiceAction::RefuseHalfSynced,  ServiceAction::RefuseWaitForPreviousSource, ServiceAction::RefuseDataCorrupt,
      ServiceAction::RefuseStale,       ServiceAction::RefuseInServiceElsewhere,    ServiceAction::RefusePreviousSourceUp,
      ServiceAction::RefusePeerNewer,   ServiceAction::RefuseSplitBrain,            ServiceAction::RefuseNoLocalData,
      ServiceAction::RefuseTargetsUnreachable};
  std::set<int> codes;
  for (const auto action : refusals) {
    const int code = failover::refusal_exit_code(action);
    CAPTURE(flags::to_string(action));
    CHECK(code >= 10);
    CHECK(code <= 19);
    CHECK_FALSE(flags::goes_in_service(action));
    codes.insert(code);
  }
  CHECK(codes.size() == std::size(refusals));
  CHECK(failover::refusal_exit_code(ServiceAction::RefuseWaitForPreviousSource) == 10);
  CHECK(failover::refusal_exit_code(ServiceAction::RefuseDataCorrupt) == 16);
  for (const auto action : {ServiceAction::AlreadyInService, ServiceAction::InServicePartialResync,
                            ServiceAction::InServiceFullResync, ServiceAction::ForceOnline})
    CHECK(failover::refusal_exit_code(action) == 1);
}
