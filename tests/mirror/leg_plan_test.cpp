// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mirror/leg_plan.hpp"

using namespace netraid::mirror::legs;

namespace {
LegAction act(LegObservation s) { return plan_leg(s).action; }
}  // namespace

TEST_CASE("a leg in the array and healthy is left alone") {
  CHECK(act({.attached = true, .in_array = true}) == LegAction::kNothing);
}

TEST_CASE("a failed leg is taken out, then reconnected, then re-added through the bitmap") {
  LegObservation s{.attached = true, .in_array = true, .faulty = true, .superblock_ours = true};
  CHECK(act(s) == LegAction::kRemoveFaulty);
  s.in_array = s.faulty = false;
  s.attached = false;
  CHECK(act(s) == LegAction::kConnect);
  s.attached = true;
  CHECK(act(s) == LegAction::kReAddPartial);
}

TEST_CASE("full resync when the bitmap cannot tell what differs") {
  CHECK(act({.attached = true, .superblock_ours = false}) == LegAction::kAddFull);              // blank/replaced disk
  CHECK(act({.attached = true, .superblock_ours = true, .re_add_refused = true}) == LegAction::kAddFull);
  CHECK(act({.attached = true, .superblock_ours = true, .full_resync_requested = true}) == LegAction::kAddFull);
  CHECK(act({.attached = true, .in_array = true, .full_resync_requested = true}) == LegAction::kRemoveFaulty);
}

TEST_CASE("paused targets are taken out and then left alone") {
  CHECK(act({.paused = true, .attached = true, .in_array = true}) == LegAction::kPauseOut);
  CHECK(act({.paused = true, .attached = true}) == LegAction::kNothing);
  CHECK(act({.paused = true}) == LegAction::kNothing);
}

TEST_CASE("every plan says why") {
  for (bool attached : {false, true})
    for (bool in_array : {false, true})
      for (bool ours : {false, true}) {
        auto p = plan_leg({.attached = attached, .in_array = in_array, .superblock_ours = ours});
        CHECK_FALSE(p.reason.empty());
        CHECK(std::string(to_string(p.action)) != "?");
      }
}

TEST_CASE("initial sync of a new target: full unless LKDR_NO_FULL_SYNC, then seeded with a loud warning") {
  CHECK(plan_initial_sync(false, "datarep", "n2", "/dev/sdb1").kind == InitialSync::kFull);
  CHECK(plan_initial_sync(false, "datarep", "n2", "/dev/sdb1").warning.empty());
  const auto p = plan_initial_sync(true, "datarep", "n2", "/dev/sdb1");
  CHECK(p.kind == InitialSync::kSeeded);
  CHECK(p.warning.rfind("WARNING: LKDR_NO_FULL_SYNC=1: n2", 0) == 0);
  CHECK(p.warning.find("/dev/sdb1") != std::string::npos);
  CHECK(p.warning.find("netraid fullresync datarep n2") != std::string::npos);
}

TEST_CASE("free raid slot for a seeded leg: the lowest no member holds, spares hold none") {
  CHECK(free_slot({0u, std::nullopt}, 2) == 1u);
  CHECK(free_slot({1u}, 2) == 0u);
  CHECK(free_slot({0u, 2u, std::nullopt}, 3) == 1u);
  CHECK(!free_slot({0u, 1u}, 2));
}
