// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mdadm/parse_error.hpp"
#include "netraid/mdadm/sysfs_values.hpp"

using namespace netraid::mdadm;

TEST_CASE("sysfs: array_state names of md.c array_states[] round-trip") {
  for (const auto* name : {"clear", "inactive", "suspended", "readonly", "read-auto", "clean", "active",
                           "write-pending", "active-idle", "broken"}) {
    CAPTURE(name);
    CHECK(to_string(parse_array_state(std::string(name) + "\n")) == name);
  }
  CHECK(parse_array_state("clean\n") == ArrayState::Clean);
  CHECK(parse_array_state("read-auto") == ArrayState::ReadAuto);
  CHECK_THROWS_AS(parse_array_state("degraded"), ParseError);
}

TEST_CASE("sysfs: sync_action") {
  CHECK(parse_sync_action("idle\n") == SyncAction::Idle);
  CHECK(parse_sync_action("recover\n") == SyncAction::Recover);
  CHECK(parse_sync_action("frozen") == SyncAction::Frozen);
  CHECK(to_string(SyncAction::Resync) == "resync");
  CHECK_THROWS_WITH(parse_sync_action("recovery"), doctest::Contains("sync_action"));
}

TEST_CASE("sysfs: sync_completed none, delayed and progress in sectors") {
  CHECK(parse_sync_completed("none\n").kind == SyncCompleted::Kind::None);
  CHECK(parse_sync_completed("delayed\n").kind == SyncCompleted::Kind::Delayed);
  const auto p = parse_sync_completed("123 / 456\n");
  CHECK(p.kind == SyncCompleted::Kind::Progress);
  CHECK(p.done_sectors == 123);
  CHECK(p.total_sectors == 456);
  CHECK_THROWS_AS(parse_sync_completed("123/456"), ParseError);
  CHECK_THROWS_AS(parse_sync_completed("12 / x"), ParseError);
}

TEST_CASE("sysfs: dev-*/state comma lists") {
  const auto s = parse_member_state("in_sync,write_mostly\n");
  CHECK(s.in_sync);
  CHECK(s.write_mostly);
  CHECK_FALSE(s.faulty);
  const auto f = parse_member_state("faulty,blocked,write_error");
  CHECK(f.faulty);
  CHECK(f.blocked);
  CHECK(f.write_error);
  CHECK_FALSE(f.in_sync);
  const auto spare = parse_member_state("spare\n");
  CHECK(spare.spare);
  const auto future = parse_member_state("in_sync,failfast,shiny_new_flag");
  CHECK(future.failfast);
  CHECK(future.unknown == std::vector<std::string>{"shiny_new_flag"});
  const auto empty = parse_member_state("\n");
  CHECK_FALSE(empty.in_sync);
  CHECK(empty.unknown.empty());
}

TEST_CASE("sysfs: slot, numbers, speed limits, bitmap location") {
  CHECK(parse_slot("1\n") == 1u);
  CHECK_FALSE(parse_slot("none\n").has_value());
  CHECK_THROWS_AS(parse_slot("-1"), ParseError);
  CHECK(parse_number_attribute("1\n", "degraded") == 1);
  CHECK(parse_number_attribute("65536\n", "bitmap/chunksize") == 65536);
  CHECK_THROWS_WITH(parse_number_attribute("lots", "degraded"), doctest::Contains("degraded"));
  const auto sys = parse_speed_limit("1000 (system)\n");
  CHECK(sys.kb_per_s == 1000);
  CHECK(sys.system_default);
  const auto local = parse_speed_limit("500000 (local)\n");
  CHECK(local.kb_per_s == 500000);
  CHECK_FALSE(local.system_default);
  CHECK_THROWS_AS(parse_speed_limit("fast"), ParseError);
  const auto loc = parse_bitmap_location("+8\n");
  CHECK(loc.kind == BitmapLocation::Kind::Internal);
  CHECK(loc.offset_sectors == 8);
  CHECK(parse_bitmap_location("-24").offset_sectors == -24);
  CHECK(parse_bitmap_location("none\n").kind == BitmapLocation::Kind::None);
  CHECK(parse_bitmap_location("file\n").kind == BitmapLocation::Kind::File);
  CHECK_THROWS_AS(parse_bitmap_location("8"), ParseError);
}
