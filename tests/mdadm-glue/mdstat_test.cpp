// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mdadm/mdstat.hpp"
#include "netraid/mdadm/parse_error.hpp"
#include "test_data.hpp"

using namespace netraid::mdadm;

TEST_CASE("mdstat: degraded mirror with a faulty write-mostly NBD leg") {
  const auto m = parse_mdstat(test_data("mdstat-degraded-faulty.txt"));
  REQUIRE(m.personalities == std::vector<std::string>{"raid1"});
  REQUIRE(m.arrays.size() == 1);
  const auto& a = m.arrays[0];
  CHECK(a.name == "md0");
  CHECK(a.active);
  CHECK(a.personality == "raid1");
  REQUIRE(a.members.size() == 2);
  CHECK(a.members[0].name == "nbd0");
  CHECK(a.members[0].descriptor == 1);
  CHECK(a.members[0].write_mostly);
  CHECK(a.members[0].faulty);
  CHECK(a.members[1].name == "ubda");
  CHECK_FALSE(a.members[1].faulty);
  CHECK_FALSE(a.members[1].write_mostly);
  CHECK(a.blocks_kb == 130048u);
  CHECK(a.super == "1.2");
  CHECK(a.raid_disks == 2u);
  CHECK(a.working_disks == 1u);
  CHECK(a.member_status == "U_");
  CHECK_FALSE(a.sync.has_value());
  REQUIRE(a.bitmap.has_value());
  CHECK(a.bitmap->pages_present == 1);
  CHECK(a.bitmap->pages_total == 1);
  CHECK(a.bitmap->memory_kb == 4);
  CHECK(a.bitmap->chunk_bytes == 64 * 1024);
  CHECK(m.unused_devices.empty());
}

TEST_CASE("mdstat: recovery progress line with finish and speed") {
  const auto m = parse_mdstat(test_data("mdstat-recovery.txt"));
  const auto* a = find_array(m, "md0");
  REQUIRE(a != nullptr);
  REQUIRE(a->sync.has_value());
  CHECK(a->sync->kind == SyncKind::Recovery);
  CHECK(a->sync->state == SyncState::Running);
  CHECK(a->sync->permille == 126);
  CHECK(a->sync->done_kb == 33024);
  CHECK(a->sync->total_kb == 262080);
  REQUIRE(a->sync->finish_min.has_value());
  CHECK(*a->sync->finish_min == doctest::Approx(0.1));
  CHECK(a->sync->speed_kb_per_s == 33024u);
  CHECK(a->bitmap->chunk_bytes == 1024 * 1024);
  CHECK(find_array(m, "md1") == nullptr);
}

TEST_CASE("mdstat: resync=PENDING, resync=DELAYED, check, inactive array and unused devices") {
  const auto m = parse_mdstat(test_data("mdstat-pending-delayed-check-inactive.txt"));
  CHECK(m.personalities.size() == 8);
  REQUIRE(m.arrays.size() == 4);

  const auto* md1 = find_array(m, "md1");
  REQUIRE(md1);
  CHECK(md1->read_only == "auto-read-only");
  CHECK(md1->personality == "raid1");
  REQUIRE(md1->sync);
  CHECK(md1->sync->kind == SyncKind::Resync);
  CHECK(md1->sync->state == SyncState::Pending);
  CHECK(md1->bitmap->chunk_bytes == 65536ull * 1024);

  const auto* md2 = find_array(m, "md2");
  REQUIRE(md2);
  REQUIRE(md2->sync);
  CHECK(md2->sync->state == SyncState::Delayed);
  CHECK_FALSE(md2->bitmap.has_value());

  const auto* md0 = find_array(m, "md0");
  REQUIRE(md0);
  REQUIRE(md0->sync);
  CHECK(md0->sync->kind == SyncKind::Check);
  CHECK(md0->sync->permille == 375);
  CHECK(md0->sync->done_kb == 196224);

  const auto* md127 = find_array(m, "md127");
  REQUIRE(md127);
  CHECK_FALSE(md127->active);
  CHECK(md127->personality.empty());
  REQUIRE(md127->members.size() == 1);
  CHECK(md127->members[0].spare);
  CHECK(md127->blocks_kb == 1048576u);
  CHECK_FALSE(md127->raid_disks.has_value());

  CHECK(m.unused_devices == std::vector<std::string>{"sdd", "sde"});
}

TEST_CASE("mdstat: initial resync of three legs, byte-sized bitmap chunk, 0.90 read-only array") {
  const auto m = parse_mdstat(test_data("mdstat-resync-three-legs.txt"));
  const auto* md0 = find_array(m, "md0");
  REQUIRE(md0);
  CHECK(md0->members.size() == 3);
  CHECK(md0->member_status == "UUU");
  REQUIRE(md0->sync);
  CHECK(md0->sync->kind == SyncKind::Resync);
  CHECK(md0->sync->permille == 4);
  CHECK(md0->bitmap->chunk_bytes == 512);
  CHECK(md0->bitmap->pages_present == 0);

  const auto* md9 = find_array(m, "md9");
  REQUIRE(md9);
  CHECK(md9->read_only == "read-only");
  CHECK(md9->super.empty());  // 0.90 metadata prints no "super"
  CHECK(md9->member_status == "UU");
  CHECK_FALSE(md9->sync.has_value());
}

TEST_CASE("mdstat: no arrays at all") {
  const auto m = parse_mdstat(test_data("mdstat-empty.txt"));
  CHECK(m.personalities.empty());
  CHECK(m.arrays.empty());
  CHECK(m.unused_devices.empty());
}

TEST_CASE("mdstat: errors-not mdstat text is rejected with the offending line") {
  CHECK_THROWS_AS(parse_mdstat("hello world\n"), ParseError);
  CHECK_THROWS_WITH(parse_mdstat("Personalities : [raid1]\nmd0 : active raid1 nbd0[x]\n"),
                    doctest::Contains("nbd0[x]"));
  CHECK_THROWS_WITH(parse_mdstat("Personalities : [raid1]\nmd0 : active raid1 nbd0[1](Q)\n"),
                    doctest::Contains("unknown flag"));
  CHECK_THROWS_WITH(
      parse_mdstat("Personalities : [raid1]\nmd0 : active raid1 a[0]\n      10 blocks super 1.2 [2/1] [U_]\n"
                   "      [>...]  recovery = lots\n"),
      doctest::Contains("sync progress"));
}
