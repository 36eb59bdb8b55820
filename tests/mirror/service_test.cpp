// SPDX-License-Identifier: GPL-2.0-or-later
// restore / remove / quickcheck against the recording fake: the order of the
// steps, the rollback, the bookkeeping of a refusal, and that gather fills
// every input of flags::decide_service.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "fake_system.hpp"
#include "netraid/flags/flag_values.hpp"
#include "netraid/mirror/exit_codes.hpp"
#include "netraid/mirror/service.hpp"

using namespace netraid;
using flags::ServiceAction;
using flags::SyncState;

namespace {

const std::string kTag = "datarep";

flags::Generation generation(std::uint64_t current, std::vector<std::uint64_t> history = {}) {
  return {current, std::move(history)};
}

// n2, an in-sync target of n1, about to take over: mirror config, flags and
// its leg's superblock as a real target has them.
struct TakeoverOnN2 {
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = fake::two_node_mirror();

  TakeoverOnN2() {
    n2.ctx.store.save(m);
    auto f = n2.flags();
    f.create_directory();
    f.set_source(kTag, "n1");
    f.set_sync_state(kTag, SyncState::InSync);
    f.set_generation(kTag, generation(0xaa, {0x11}));
    n2.system->members["/dev/ubda"] = fake::md_superblock(120);
  }
  void source_seen_since_boot() {
    std::filesystem::create_directories(n2.ctx.settings.run_dir);
    std::ofstream(n2.ctx.settings.run_dir + "/" + kTag + ".source_seen") << "n1\n";
  }
};

}  // namespace

TEST_CASE("restore: a target whose source died claims the flags before md assembles, then serves reads") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  std::optional<std::string> owner_at_assemble, source_at_assemble;
  t.n2.system->on_run = [&](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
    if (argv.size() > 1 && argv[1] == "--assemble") {
      owner_at_assemble = t.n2.flags().last_owner(kTag);
      source_at_assemble = t.n2.flags().source(kTag);
    }
    return std::nullopt;
  };
  const auto action = mirror::failover::restore(t.n2.ctx, kTag, false);
  CHECK(action == ServiceAction::InServicePartialResync);
  CHECK(owner_at_assemble == "n2");
  CHECK(source_at_assemble == "n2");
  const auto& sys = *t.n2.system;
  const int stop_serving = sys.index_of("drop serving datarep");
  const int assemble = sys.index_of("run mdadm --assemble --run /dev/md0 /dev/ubda");
  const int reads = sys.index_of("md_write md0 dev-ubda/state -writemostly");
  REQUIRE(stop_serving >= 0);
  REQUIRE(assemble >= 0);
  REQUIRE(reads >= 0);
  CHECK(stop_serving < assemble);
  CHECK(assemble < reads);
  // A new term: a fresh generation whose history holds the old one.
  const auto g = t.n2.flags().generation(kTag);
  REQUIRE(g);
  CHECK(g->current != 0xaa);
  CHECK(g->history.front() == 0xaa);
  CHECK(!t.n2.flags().sync_state(kTag));
  CHECK(t.n2.flags().targets(kTag) == std::map<std::string, SyncState>{{"n1", SyncState::OutOfSync}});
  // n1 is down: asked once by gather, then tried by the resync pass, which
  // leaves it Out of Sync.
  CHECK(sys.saw("on n1: flags-report datarep"));
  CHECK(sys.saw("on n1: serve datarep"));
  CHECK(t.n2.said_line("1 of 1 target(s) not mirroring"));
}

TEST_CASE("restore: the chunks dirty on the local leg before assembly are marked again in md's bitmap") {
  // md started on one leg may drop them (a source that crashed while md was
  // still failing the NBD leg); the returning targets' re-add must copy them.
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  t.n2.system->members["/dev/ubda"] = fake::md_superblock(120, {455, 7, 8, 9});
  mirror::failover::restore(t.n2.ctx, kTag, false);
  const auto& sys = *t.n2.system;
  const int read = sys.index_of("run blockdev --flushbufs /dev/ubda");
  const int assemble = sys.index_of("run mdadm --assemble --run /dev/md0 /dev/ubda");
  const int marked = sys.index_of("md_write md0 bitmap_set_bits 7-9 455");
  REQUIRE(read >= 0);
  REQUIRE(assemble >= 0);
  REQUIRE(marked >= 0);
  CHECK(read < assemble);
  CHECK(assemble < marked);
  CHECK(marked < sys.index_of("on n1: serve datarep"));  // before any target is re-added
  CHECK(t.n2.said_line("keeping the 4 chunk(s) dirty"));
}

TEST_CASE("restore: when md refuses the dirty chunks, the mirror still goes in service, with advice to verify") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  t.n2.system->members["/dev/ubda"] = fake::md_superblock(120, {3});
  t.n2.system->on_md_write = [](const std::string&, const std::string& attribute, const std::string&) {
    if (attribute == "bitmap_set_bits") throw std::runtime_error("Invalid argument");
  };
  CHECK(mirror::failover::restore(t.n2.ctx, kTag, false) == ServiceAction::InServicePartialResync);
  CHECK(t.n2.said_line("could not be marked in /dev/md0 (Invalid argument): run 'netraid verify datarep'"));
}

TEST_CASE("restore: a clean bitmap marks nothing, an unreadable one is said and md's own reading applies") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  mirror::failover::restore(t.n2.ctx, kTag, false);
  CHECK(!t.n2.system->saw("bitmap_set_bits"));

  TakeoverOnN2 u;
  u.source_seen_since_boot();
  // Readable when restore checks the leg, unreadable just before assembly.
  u.n2.system->on_run = [&](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
    if (argv[0] == "blockdev" && u.n2.system->saw("drop serving")) u.n2.system->members.erase("/dev/ubda");
    if (argv.size() > 1 && argv[1] == "--assemble") u.n2.system->members["/dev/ubda"] = fake::md_superblock(120);
    return std::nullopt;
  };
  mirror::failover::restore(u.n2.ctx, kTag, false);
  CHECK(u.n2.said_line("could not be read before assembly"));
  CHECK(u.n2.system->saw("run mdadm --assemble"));
  CHECK(!u.n2.system->saw("bitmap_set_bits"));
}

TEST_CASE("restore: when md cannot assemble, the flags are put back as they were") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  auto f = t.n2.flags();
  f.set_target_state(kTag, "n1", SyncState::InSync);  // left over from an older term
  t.n2.system->on_run = [](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
    if (argv.size() > 1 && argv[1] == "--assemble") return mirror::ProgramResult{1, "", "mdadm: no devices found\n"};
    return std::nullopt;
  };
  try {
    mirror::failover::restore(t.n2.ctx, kTag, false);
    FAIL("restore went on after md refused to assemble");
  } catch (const mirror::OpError& e) {
    CHECK(std::string(e.what()).find("cannot assemble /dev/md0 from /dev/ubda: mdadm: no devices found") !=
          std::string::npos);
    CHECK(e.exit_code == mirror::kFailed);
  }
  CHECK(!f.last_owner(kTag));
  CHECK(f.source(kTag) == "n1");
  CHECK(f.sync_state(kTag) == SyncState::InSync);
  CHECK(f.generation(kTag) == generation(0xaa, {0x11}));
  CHECK(f.targets(kTag) == std::map<std::string, SyncState>{{"n1", SyncState::InSync}});
  CHECK(!t.n2.system->saw("md_write"));
  CHECK(!t.n2.system->saw("on n1: serve"));  // no resync pass
}

TEST_CASE("restore: a target that booted without its source waits, counted from the first refusal") {
  TakeoverOnN2 t;  // no source_seen: n2 came up alone (Scenario 4)
  t.n2.ctx.settings.tunables.wait_for_previous_source_s = {20, mirror::tunables::Origin::kFile};
  auto refused_with = [&]() -> int {
    try {
      mirror::failover::restore(t.n2.ctx, kTag, false);
    } catch (const mirror::OpError& e) {
      return e.exit_code;
    }
    return mirror::kOk;
  };
  t.n2.system->clock = 5000;
  try {
    mirror::failover::restore(t.n2.ctx, kTag, false);
  } catch (const mirror::OpError& e) {
    // The reason, then the advice in the front end's words (the CLI's by default).
    CHECK(std::string(e.what()).find("waiting 20 s more; bring n1 back, or `netraid force datarep --yes`") !=
          std::string::npos);
  }
  t.n2.flags().clear_wait_started(kTag);
  t.n2.ctx.settings.advice_for = mirror::Audience::kLifeKeeper;
  try {
    mirror::failover::restore(t.n2.ctx, kTag, false);
  } catch (const mirror::OpError& e) {
    CHECK(std::string(e.what()).find("or `mirror_action datarep force`") != std::string::npos);
  }
  t.n2.flags().clear_wait_started(kTag);
  t.n2.system->events.clear();
  CHECK(refused_with() == mirror::kRefusedWaitForSource);
  CHECK(t.n2.flags().wait_started(kTag) == 5000);
  CHECK(!t.n2.system->saw("run mdadm"));  // nothing but the bookkeeping
  CHECK(!t.n2.flags().last_owner(kTag));

  t.n2.system->clock = 5010;  // 10 s later: still waiting, from the same start
  CHECK(refused_with() == mirror::kRefusedWaitForSource);
  CHECK(t.n2.flags().wait_started(kTag) == 5000);

  t.n2.system->clock = 5021;  // expired: takes over, and the wait is over
  CHECK(refused_with() == mirror::kOk);
  CHECK(t.n2.flags().last_owner(kTag) == "n2");
  CHECK(!t.n2.flags().wait_started(kTag));
}

TEST_CASE("restore: with LKDR_CONNECT_NBD_DURING_RESTORE=False it is in service before any target is connected") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  t.n2.ctx.settings.tunables.connect_nbd_during_restore = {false, mirror::tunables::Origin::kFile};
  CHECK(mirror::failover::restore(t.n2.ctx, kTag, false) == ServiceAction::InServicePartialResync);
  CHECK(t.n2.system->saw("run mdadm --assemble"));
  CHECK(!t.n2.system->saw("on n1: serve"));  // no resync pass
  CHECK(t.n2.said_line("LKDR_CONNECT_NBD_DURING_RESTORE=False"));
}

TEST_CASE("restore: LKDR_SPEED_LIMIT and LKDR_SPEED_LIMIT_MIN are applied to the array it assembles") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  t.n2.ctx.settings.tunables.speed_limit_kbs = {std::uint64_t{4000}, mirror::tunables::Origin::kFile};
  t.n2.ctx.settings.tunables.speed_limit_min_kbs = {std::uint64_t{1000}, mirror::tunables::Origin::kFile};
  mirror::failover::restore(t.n2.ctx, kTag, false);
  const auto& sys = *t.n2.system;
  CHECK(sys.index_of("md_write md0 sync_speed_max 4000") > sys.index_of("run mdadm --assemble"));
  CHECK(sys.saw("md_write md0 sync_speed_min 1000"));
}

TEST_CASE("restore: gather fills every input of decide_service from its producer") {
  TakeoverOnN2 t;
  t.source_seen_since_boot();
  auto f = t.n2.flags();
  f.set_data_corrupt(kTag, "test");
  f.set_wait_started(kTag, t.n2.system->clock - 7);
  t.n2.ctx.settings.tunables.wait_for_previous_source_s = {300, mirror::tunables::Origin::kEnvironment};
  auto leg = fake::md_superblock(150);
  leg.superblock.feature_map |= 2u;  // a recovery into it was cut
  t.n2.system->members["/dev/ubda"] = leg;
  flags::PeerReport n1;
  n1.node = "n1";
  n1.reachable = true;
  n1.in_service = true;
  n1.flags.last_owner = true;
  n1.flags.source = "n1";
  n1.flags.generation = generation(0xbb, {0xaa});
  n1.leg.has_superblock = true;
  n1.leg.events = 160;
  t.n2.system->peers["n1"] = fake::reports(n1);

  const auto facts = mirror::failover::gather_service_facts(t.n2.ctx, kTag, true);
  const auto& q = facts.query;
  CHECK(q.node == "n2");
  CHECK(q.local.last_owner == false);
  CHECK(q.local.source == "n1");
  CHECK(q.local.data_corrupt);
  CHECK(q.local.sync_state == SyncState::InSync);
  CHECK(q.local.generation == generation(0xaa, {0x11}));
  CHECK(q.leg.has_superblock);
  CHECK(q.leg.array_uuid == fake::kArrayUuid);
  CHECK(q.leg.events == 150);
  CHECK(q.leg.recovery_incomplete);
  CHECK(q.leg.bitmap_usable);
  CHECK(q.leg.bitmap_events_cleared == 130);
  CHECK(q.already_in_service == false);
  CHECK(q.source_seen_since_boot);
  REQUIRE(q.peers.size() == 1);
  CHECK(q.peers[0].node == "n1");
  CHECK(q.peers[0].reachable);
  CHECK(q.peers[0].in_service);
  CHECK(q.peers[0].flags.last_owner);
  CHECK(q.peers[0].flags.generation == generation(0xbb, {0xaa}));
  CHECK(q.peers[0].leg.events == 160);
  CHECK(q.force);
  CHECK(q.wait_timeout_s == 300);
  CHECK(q.waited_s == 7);
  CHECK(facts.wait_started == t.n2.system->clock - 7);
  CHECK(facts.now == t.n2.system->clock);
  // The local leg is flushed before its superblock is read.
  CHECK(t.n2.system->index_of("run blockdev --flushbufs /dev/ubda") < t.n2.system->index_of("on n1: flags-report"));
}

TEST_CASE("restore: in service elsewhere is refused with its code, and this system gives up last_owner") {
  TakeoverOnN2 t;
  t.n2.flags().set_last_owner(kTag, "n2");  // an old claim
  flags::PeerReport n1;
  n1.node = "n1";
  n1.reachable = true;
  n1.in_service = true;
  n1.flags.last_owner = true;
  n1.flags.generation = generation(0xbb, {0xaa});
  t.n2.system->peers["n1"] = fake::reports(n1);
  try {
    mirror::failover::restore(t.n2.ctx, kTag, false);
    FAIL("restore went in service while n1 has it");
  } catch (const mirror::OpError& e) {
    CHECK(e.exit_code == mirror::kRefusedInServiceElsewhere);
    CHECK(std::string(e.what()).find("datarep is in service on n1") != std::string::npos);
  }
  CHECK(!t.n2.flags().last_owner(kTag));
  CHECK(!t.n2.system->saw("run mdadm"));
}

TEST_CASE("restore: already in service here runs no takeover, only the reconnect pass") {
  TakeoverOnN2 t;
  t.n2.flags().set_last_owner(kTag, "n2");
  t.n2.system->sysfs["md0/array_state"] = "clean";
  t.n2.system->sysfs["md0/dev-ubda/state"] = "in_sync";
  CHECK(mirror::failover::restore(t.n2.ctx, kTag, false) == ServiceAction::AlreadyInService);
  CHECK(!t.n2.system->saw("run mdadm --assemble"));
  CHECK(!t.n2.system->saw("stop serving"));
  CHECK(!t.n2.system->saw("drop serving"));
  // Nothing to decide: n1 is asked nothing before the pass tries to serve it.
  REQUIRE(t.n2.system->saw("on n1: serve datarep"));
  CHECK(t.n2.system->index_of("on n1: serve datarep") < t.n2.system->index_of("on n1: flags-report"));
}

TEST_CASE("remove: unmount, stop md, detach the legs, then release last_owner") {
  TakeoverOnN2 t;
  t.m.mount_dir = "/data";
  t.m.fstype = "ext4";
  t.n2.ctx.store.save(t.m);
  t.n2.flags().set_last_owner(kTag, "n2");
  t.n2.system->sysfs["md0/array_state"] = "clean";
  t.n2.system->sysfs["md0/dev-ubda/state"] = "in_sync";
  t.n2.system->devices["/dev/md0"].mounted_on = "/data";
  mirror::save_legs(t.n2.ctx, kTag, {{"n1", "/dev/nbd0"}});
  std::optional<std::string> owner_at_stop;
  t.n2.system->on_run = [&](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
    if (argv.size() > 1 && argv[1] == "--stop") owner_at_stop = t.n2.flags().last_owner(kTag);
    return std::nullopt;
  };
  mirror::failover::remove(t.n2.ctx, kTag);
  const auto& sys = *t.n2.system;
  const int umount = sys.index_of("run umount /data");
  const int stop = sys.index_of("run mdadm --stop /dev/md0");
  const int detach = sys.index_of("detach /dev/nbd0");
  REQUIRE(umount >= 0);
  CHECK(umount < stop);
  CHECK(stop < detach);
  CHECK(owner_at_stop == "n2");  // released only once md is down
  CHECK(!t.n2.flags().last_owner(kTag));
  CHECK(mirror::load_legs(t.n2.ctx, kTag).empty());
}

TEST_CASE("quickcheck: healthy, then each problem named") {
  TakeoverOnN2 t;
  CHECK(mirror::failover::quickcheck(t.n2.ctx, kTag) == "datarep is not in service on this system (no datarep_last_owner)");
  t.n2.flags().set_last_owner(kTag, "n2");
  CHECK(mirror::failover::quickcheck(t.n2.ctx, kTag) == "/dev/md0 is not active with /dev/ubda in it: the mirror is down here");
  t.n2.system->sysfs["md0/array_state"] = "clean";
  t.n2.system->sysfs["md0/dev-ubda/state"] = "faulty";
  CHECK(mirror::failover::quickcheck(t.n2.ctx, kTag) == "the local leg /dev/ubda is not in sync in /dev/md0 (faulty)");
  t.n2.system->sysfs["md0/dev-ubda/state"] = "in_sync";
  CHECK(mirror::failover::quickcheck(t.n2.ctx, kTag) == "");
  CHECK(mirror::failover::quickcheck(t.n2.ctx, "other") == "no mirror other on this system");
}
