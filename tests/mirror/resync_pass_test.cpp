// SPDX-License-Identifier: GPL-2.0-or-later
// The resync pass on the source against the recording fake: the order of
// serve, attach, re-add and write-mostly for a returning target; a failed
// leg taken out before it is reconnected; a paused target left out.
#include <doctest/doctest.h>

#include "fake_system.hpp"
#include "netraid/mirror/resync_ops.hpp"

using namespace netraid;
using flags::SyncState;

namespace {

const std::string kTag = "datarep";

// n1 is the source with md0 on /dev/ubda; n2 is its target.
struct SourceN1 {
  fake::FakeNode n1{"n1"};
  mirror::config::MirrorConfig m = fake::two_node_mirror();

  explicit SourceN1(std::optional<SyncState> n2_state = SyncState::InSync) {
    fake::make_source(n1, m, {0xaa, {}});
    auto& sys = *n1.system;
    sys.members["/dev/ubda"] = fake::md_superblock(500);
    sys.devices["/dev/ubda"].size_bytes = 256 << 20;
    // n2 serves when asked and reports an in-sync target of this generation.
    flags::PeerReport n2;
    n2.node = "n2";
    n2.reachable = true;
    n2.flags.source = "n1";
    n2.flags.sync_state = n2_state;
    n2.flags.generation = {0xaa, {}};
    sys.peers["n2"] = [n2](const std::vector<std::string>& args) -> mirror::ProgramResult {
      if (args.at(0) == "flags-report") return fake::reports(n2)(args);
      return {};  // serve, flags-set
    };
  }
};

}  // namespace

TEST_CASE("resync pass: a returning target is served, attached, re-added through the bitmap, then write-mostly") {
  SourceN1 t;
  auto& sys = *t.n1.system;
  sys.reachable_exports.insert(t.m.systems[1].address);
  sys.members["/dev/nbd0"] = fake::md_superblock(500);  // n2's disk still holds this array's superblock
  CHECK(mirror::resync_pass(t.n1.ctx, t.m) == 1);
  const int serve = sys.index_of("on n2: serve datarep --device /dev/ubda");
  const int attach = sys.index_of("attach ");
  const int re_add = sys.index_of("run mdadm --manage /dev/md0 --re-add /dev/nbd0");
  const int write_mostly = sys.index_of("md_write md0 dev-nbd0/state writemostly");
  REQUIRE(serve >= 0);
  REQUIRE(attach >= 0);
  REQUIRE(re_add >= 0);
  CHECK(serve < attach);
  CHECK(attach < re_add);
  CHECK(re_add < write_mostly);
  CHECK(sys.events[serve].find("--allow " + t.m.systems[0].address) != std::string::npos);
  CHECK(sys.events[serve].find("--size 268435456") != std::string::npos);
  CHECK(mirror::load_legs(t.n1.ctx, kTag) == mirror::Legs{{"n2", "/dev/nbd0"}});
  CHECK(!sys.saw("run mdadm --manage /dev/md0 --add"));  // never a full resync here
  CHECK(!sys.saw("run mdadm --zero-superblock"));
}

TEST_CASE("resync pass: a target that may think it is in sync is told resyncing before the re-add, one that knows after") {
  for (const std::optional<SyncState> state : {std::optional<SyncState>(SyncState::InSync), std::optional<SyncState>()}) {
    SourceN1 t(state);
    auto& sys = *t.n1.system;
    sys.reachable_exports.insert(t.m.systems[1].address);
    sys.members["/dev/nbd0"] = fake::md_superblock(500);
    mirror::resync_pass(t.n1.ctx, t.m);
    const int told = sys.index_of("on n2: flags-set datarep --source n1 --sync-state resyncing");
    const int re_add = sys.index_of("run mdadm --manage /dev/md0 --re-add /dev/nbd0");
    REQUIRE(told >= 0);
    REQUIRE(re_add >= 0);
    CHECK(told < re_add);
  }
  for (const auto state : {SyncState::OutOfSync, SyncState::Resyncing}) {
    // Its flags refuse a takeover already: the resync starts one round trip
    // sooner, and the target is told once, at the end, what md shows then.
    SourceN1 t(state);
    auto& sys = *t.n1.system;
    sys.reachable_exports.insert(t.m.systems[1].address);
    sys.members["/dev/nbd0"] = fake::md_superblock(500);
    t.n1.flags().set_target_state(kTag, "n2", SyncState::OutOfSync);
    mirror::resync_pass(t.n1.ctx, t.m);
    const int re_add = sys.index_of("run mdadm --manage /dev/md0 --re-add /dev/nbd0");
    REQUIRE(re_add >= 0);
    int tells = 0, told = -1;
    for (int i = 0; i < static_cast<int>(sys.events.size()); ++i)
      if (sys.events[i].rfind("on n2: flags-set datarep", 0) == 0) ++tells, told = i;
    CHECK(tells == 1);
    CHECK(re_add < told);
    CHECK(sys.events[told].find("--sync-state in_sync --generation") != std::string::npos);
  }
}

TEST_CASE("resync pass: a blank target disk gets a full resync (superblock zeroed, plain add)") {
  SourceN1 t;
  auto& sys = *t.n1.system;
  sys.reachable_exports.insert(t.m.systems[1].address);  // /dev/nbd0 has no superblock
  CHECK(mirror::resync_pass(t.n1.ctx, t.m) == 1);
  const int zero = sys.index_of("run mdadm --zero-superblock --force /dev/nbd0");
  const int add = sys.index_of("run mdadm --manage /dev/md0 --add /dev/nbd0");
  REQUIRE(zero >= 0);
  CHECK(zero < add);
  CHECK(!sys.saw("run mdadm --manage /dev/md0 --re-add"));
  CHECK(t.n1.flags().targets(kTag) == std::map<std::string, SyncState>{{"n2", SyncState::InSync}});
}

TEST_CASE("resync pass: a failed leg is failed, removed and detached before it is reconnected") {
  SourceN1 t;
  auto& sys = *t.n1.system;
  sys.sysfs["md0/dev-nbd0/state"] = "faulty";
  sys.connected.insert("/dev/nbd0");
  mirror::save_legs(t.n1.ctx, kTag, {{"n2", "/dev/nbd0"}});
  sys.members["/dev/nbd0"] = fake::md_superblock(500);
  sys.reachable_exports.insert(t.m.systems[1].address);
  CHECK(mirror::resync_pass(t.n1.ctx, t.m) == 1);
  const int fail = sys.index_of("run mdadm --manage /dev/md0 --fail /dev/nbd0");
  const int remove = sys.index_of("run mdadm --manage /dev/md0 --remove /dev/nbd0");
  const int detach = sys.index_of("detach /dev/nbd0");
  const int serve = sys.index_of("on n2: serve");
  REQUIRE(fail >= 0);
  CHECK(fail < remove);
  CHECK(remove < detach);
  CHECK(detach < serve);
  CHECK(sys.saw("run mdadm --manage /dev/md0 --re-add /dev/nbd0"));
}

TEST_CASE("resync pass: an unreachable target stays out and is said so, once") {
  SourceN1 t;
  auto& sys = *t.n1.system;
  sys.peers.erase("n2");
  CHECK(mirror::resync_pass(t.n1.ctx, t.m) == 0);
  CHECK(!sys.saw("attach "));
  CHECK(t.n1.said_line("n2: unreachable or not serving"));
  CHECK(t.n1.flags().targets(kTag) == std::map<std::string, SyncState>{{"n2", SyncState::OutOfSync}});
}

TEST_CASE("resync pass: a paused target is taken out and not reconnected") {
  SourceN1 t;
  auto& sys = *t.n1.system;
  sys.sysfs["md0/dev-nbd0/state"] = "in_sync";
  sys.connected.insert("/dev/nbd0");
  mirror::save_legs(t.n1.ctx, kTag, {{"n2", "/dev/nbd0"}});
  mirror::save_paused(t.n1.ctx, kTag, {"n2"});
  CHECK(mirror::resync_pass(t.n1.ctx, t.m) == 0);
  CHECK(sys.saw("run mdadm --manage /dev/md0 --remove /dev/nbd0"));
  CHECK(sys.saw("detach /dev/nbd0"));
  CHECK(!sys.saw("on n2: serve"));
}

TEST_CASE("resync pass: refused on a system where the mirror is not in service") {
  SourceN1 t;
  t.n1.system->sysfs.clear();
  CHECK_THROWS_AS(mirror::resync_pass(t.n1.ctx, t.m), mirror::OpError);
  CHECK(t.n1.system->events.empty());
}

TEST_CASE("pause, resume, fullresync: a named host that is no target is refused before anything changes") {
  SourceN1 t;
  mirror::save_paused(t.n1.ctx, kTag, {"n2"});
  for (const auto& hosts : {std::vector<std::string>{"n9"}, std::vector<std::string>{"n2", "n1"}}) {
    CHECK_THROWS_AS(mirror::resume(t.n1.ctx, kTag, hosts), mirror::UsageError);
    CHECK_THROWS_AS(mirror::pause(t.n1.ctx, kTag, hosts), mirror::UsageError);
    CHECK_THROWS_AS(mirror::fullresync(t.n1.ctx, kTag, hosts), mirror::UsageError);
  }
  CHECK(mirror::load_paused(t.n1.ctx, kTag) == std::vector<std::string>{"n2"});
  CHECK(t.n1.system->events.empty());
}

TEST_CASE("pause on a system where the mirror is not in service records nothing") {
  SourceN1 t;
  t.n1.system->sysfs.clear();
  CHECK_THROWS_AS(mirror::pause(t.n1.ctx, kTag, {}), mirror::OpError);
  CHECK(mirror::load_paused(t.n1.ctx, kTag).empty());
}

TEST_CASE("pause and resume: no host named means every target") {
  SourceN1 t;
  mirror::pause(t.n1.ctx, kTag, {});
  CHECK(mirror::load_paused(t.n1.ctx, kTag) == std::vector<std::string>{"n2"});
  mirror::resume(t.n1.ctx, kTag, {});
  CHECK(mirror::load_paused(t.n1.ctx, kTag).empty());
}
