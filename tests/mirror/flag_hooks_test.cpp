// SPDX-License-Identifier: GPL-2.0-or-later
// The re-add of a returning target against the recording fake: gather fills
// every input of flags::decide_resync, and a returning old source's own
// dirty chunks reach this source's bitmap before md re-adds it.
#include <doctest/doctest.h>

#include "fake_system.hpp"
#include "netraid/mirror/flag_hooks.hpp"

using namespace netraid;
using flags::SyncState;

namespace {

const std::string kTag = "datarep";

// n2 is the source now (it took over from n1); n1 comes back as /dev/nbd0.
struct N1Returns {
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = fake::two_node_mirror();
  flags::PeerReport n1;

  N1Returns() {
    fake::make_source(n2, m, {0xbb, {0xaa}});
    n2.system->members["/dev/ubda"] = fake::md_superblock(300);
    n2.system->members["/dev/nbd0"] = fake::md_superblock(250, {3, 4, 9});
    n1.node = "n1";
    n1.reachable = true;
    n1.flags.last_owner = true;  // it was the source when it died
    n1.flags.source = "n1";
    n1.flags.sync_state = std::nullopt;
    n1.flags.generation = {0xaa, {}};
    n2.system->peers["n1"] = fake::reports(n1);
  }
};

}  // namespace

TEST_CASE("re-add: gather fills every input of decide_resync from its producer") {
  N1Returns t;
  t.n1.flags.sync_state = SyncState::Resyncing;
  t.n2.system->peers["n1"] = fake::reports(t.n1);
  const auto q = mirror::failover::gather_resync_query(t.n2.ctx, t.m, "n1", "/dev/nbd0");
  CHECK(q.source_generation == flags::Generation{0xbb, {0xaa}});
  CHECK(q.source_array_uuid == fake::kArrayUuid);
  CHECK(q.source_bitmap_usable);  // md checks its own live bitmap at re-add
  CHECK(q.source_bitmap_events_cleared == 0);
  CHECK(q.target_has_superblock);
  CHECK(q.target_array_uuid == fake::kArrayUuid);
  CHECK(q.target_events == 250);
  CHECK(q.target_generation == flags::Generation{0xaa, {}});
  CHECK(q.target_sync_state == SyncState::Resyncing);
  CHECK(q.target_was_source);
  // Its superblock is read after a flush, not from this page cache.
  CHECK(t.n2.system->saw("run blockdev --flushbufs /dev/nbd0"));
}

TEST_CASE("re-add: a returning old source's dirty chunks are merged into the bitmap before the re-add") {
  N1Returns t;
  const auto decision = mirror::failover::before_re_add(t.n2.ctx, t.m, "n1", "/dev/nbd0");
  CHECK(decision == mirror::failover::ReAdd::Partial);
  const auto& sys = *t.n2.system;
  const int merged = sys.index_of("md_write md0 bitmap_set_bits");
  REQUIRE(merged >= 0);
  CHECK(sys.events[merged] == "md_write md0 bitmap_set_bits 3-4 9");
  CHECK(merged < sys.index_of("on n1: flags-set datarep --source n2 --sync-state resyncing"));
  CHECK(t.n2.flags().targets(kTag) == std::map<std::string, SyncState>{{"n1", SyncState::Resyncing}});
  CHECK(t.n2.said_line("merging its 3 dirty chunk(s)"));
}

TEST_CASE("re-add: merging puts md's resync checkpoint back when md had nothing to resync, and only then") {
  // bitmap_set_bits moves md's checkpoint back to the first chunk: with the
  // legs in the array agreeing, a resync would copy those chunks to each of
  // them again (seen in a 3-node campaign: a target resynced twice).
  // md takes resync_start only while frozen.
  N1Returns t;
  t.n2.system->sysfs["md0/resync_start"] = "none";
  t.n2.system->sysfs["md0/sync_action"] = "idle";
  mirror::failover::before_re_add(t.n2.ctx, t.m, "n1", "/dev/nbd0");
  const auto& sys = *t.n2.system;
  const int frozen = sys.index_of("md_write md0 sync_action frozen");
  const int merged = sys.index_of("md_write md0 bitmap_set_bits");
  const int restored = sys.index_of("md_write md0 resync_start none");
  const int idle = sys.index_of("md_write md0 sync_action idle");
  REQUIRE(frozen >= 0);
  REQUIRE(merged >= 0);
  REQUIRE(restored >= 0);
  REQUIRE(idle >= 0);
  CHECK(frozen < merged);
  CHECK(merged < restored);
  CHECK(restored < idle);

  N1Returns u;  // a resync is pending: md's checkpoint is its own, left alone
  u.n2.system->sysfs["md0/resync_start"] = "2048";
  u.n2.system->sysfs["md0/sync_action"] = "resync";
  mirror::failover::before_re_add(u.n2.ctx, u.m, "n1", "/dev/nbd0");
  CHECK(u.n2.system->saw("md_write md0 bitmap_set_bits"));
  CHECK(!u.n2.system->saw("md_write md0 resync_start"));
  CHECK(!u.n2.system->saw("md_write md0 sync_action"));  // a running sync is not interrupted

  N1Returns w;  // a recovery runs: not frozen, checkpoint left alone
  w.n2.system->sysfs["md0/resync_start"] = "none";
  w.n2.system->sysfs["md0/sync_action"] = "recover";
  mirror::failover::before_re_add(w.n2.ctx, w.m, "n1", "/dev/nbd0");
  CHECK(w.n2.system->saw("md_write md0 bitmap_set_bits"));
  CHECK(!w.n2.system->saw("md_write md0 sync_action"));

  N1Returns v;  // md refuses: said, not fatal, and unfrozen
  v.n2.system->sysfs["md0/resync_start"] = "none";
  v.n2.system->sysfs["md0/sync_action"] = "idle";
  v.n2.system->on_md_write = [](const std::string&, const std::string& attribute, const std::string&) {
    if (attribute == "resync_start") throw std::runtime_error("Device or resource busy");
  };
  CHECK(mirror::failover::before_re_add(v.n2.ctx, v.m, "n1", "/dev/nbd0") == mirror::failover::ReAdd::Partial);
  CHECK(v.n2.said_line("resync checkpoint stays moved back"));
  CHECK(v.n2.system->saw("md_write md0 sync_action idle"));
}

TEST_CASE("re-add: an in-sync target of this generation is re-added without merging its bitmap") {
  N1Returns t;
  t.n1.flags.last_owner = false;
  t.n1.flags.source = "n2";
  t.n1.flags.sync_state = SyncState::InSync;
  t.n1.flags.generation = {0xbb, {0xaa}};
  t.n2.system->peers["n1"] = fake::reports(t.n1);
  CHECK(mirror::failover::before_re_add(t.n2.ctx, t.m, "n1", "/dev/nbd0") == mirror::failover::ReAdd::Partial);
  CHECK(!t.n2.system->saw("md_write md0 bitmap_set_bits"));
}

TEST_CASE("re-add: a target with newer data is never re-added (the source would overwrite it)") {
  N1Returns t;
  t.n1.flags.generation = {0xcc, {0xbb, 0xaa}};
  t.n2.system->peers["n1"] = fake::reports(t.n1);
  CHECK(mirror::failover::before_re_add(t.n2.ctx, t.m, "n1", "/dev/nbd0") == mirror::failover::ReAdd::Skip);
  CHECK(t.n2.flags().targets(kTag) == std::map<std::string, SyncState>{{"n1", SyncState::OutOfSync}});
  CHECK(!t.n2.system->saw("md_write"));
}

TEST_CASE("re-add: a target whose flags cannot be asked stays out (the direction is not known)") {
  N1Returns t;
  t.n2.system->peers["n1"] = [](const std::vector<std::string>&) {
    return mirror::ProgramResult{3, "", "datarep_generation: damaged\n"};
  };
  CHECK(mirror::failover::before_re_add(t.n2.ctx, t.m, "n1", "/dev/nbd0") == mirror::failover::ReAdd::Skip);
  CHECK(t.n2.said_line("not re-added: the flags of datarep on n1 cannot be read"));
}
