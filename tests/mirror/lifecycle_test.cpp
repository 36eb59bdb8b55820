// SPDX-License-Identifier: GPL-2.0-or-later
// extend against the recording fake: the target is asked who it is, serves
// its disk, is attached and added for a full initial sync, then every system
// learns the new configuration; a failed add is rolled back.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fake_system.hpp"
#include "netraid/mirror/lifecycle.hpp"
#include "netraid/mirror/seeded_targets.hpp"

using namespace netraid;
using flags::SyncState;

namespace {

const std::string kTag = "datarep";

// n1 runs mirror datarep alone (created, no target yet); n2 answers node-info.
struct ExtendToN2 {
  fake::FakeNode n1{"n1"};
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = [] {
    auto alone = fake::two_node_mirror();
    alone.systems.pop_back();
    return alone;
  }();
  std::vector<std::string> n2_heard;

  ExtendToN2() {
    fake::make_source(n1, m, {0xaa, {}});
    auto& sys = *n1.system;
    sys.devices["/dev/ubda"].size_bytes = 256 << 20;
    sys.reachable_exports.insert("10.201.0.12");
    // n2's side of extend, by the product's own code (node_info_json, import_config).
    sys.peers["n2"] = [this](const std::vector<std::string>& args) -> mirror::ProgramResult {
      n2_heard.push_back(fake::joined(args));
      if (args.at(0) == "node-info") {
        auto info = nlohmann::json::parse(mirror::node_info_json(n2.ctx, "test"));
        info["address"] = "10.201.0.12";  // the host's own address is not the lab's
        return {0, info.dump(), ""};
      }
      if (args.at(0) == "config-import") mirror::import_config(n2.ctx, args.at(1));
      return {};
    };
  }
};

}  // namespace

TEST_CASE("extend: serve, attach, a full initial sync, then every system knows the new target") {
  ExtendToN2 t;
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  mirror::extend(t.n1.ctx, request);
  const auto& sys = *t.n1.system;
  const int ask = sys.index_of("on n2: node-info --json");
  const int serve = sys.index_of("on n2: serve datarep --device /dev/ubda --listen 10.201.0.12 --port 10809");
  const int attach = sys.index_of("attach 10.201.0.12:10809 datarep");
  const int zero = sys.index_of("run mdadm --zero-superblock --force /dev/nbd0");
  const int add = sys.index_of("run mdadm --manage /dev/md0 --add /dev/nbd0");
  const int write_mostly = sys.index_of("md_write md0 dev-nbd0/state writemostly");
  const int shared = sys.index_of("on n2: config-import");
  REQUIRE(ask >= 0);
  REQUIRE(serve > ask);
  CHECK(attach > serve);
  CHECK(zero > attach);  // a new target never keeps an old superblock: no stale bitmap re-add
  CHECK(add > zero);
  CHECK(write_mostly > add);
  CHECK(shared > write_mostly);
  CHECK(sys.events[serve].find("--allow 10.201.0.11") != std::string::npos);
  CHECK(sys.events[serve].find("--direct") != std::string::npos);
  // Both systems now hold the same two-system configuration.
  CHECK(t.n1.ctx.store.load(kTag).systems.size() == 2);
  CHECK(t.n2.ctx.store.load(kTag).find("n2") != nullptr);
  CHECK(mirror::load_legs(t.n1.ctx, kTag) == mirror::Legs{{"n2", "/dev/nbd0"}});
  // The new target is resyncing, here and there.
  CHECK(t.n1.flags().targets(kTag) == std::map<std::string, SyncState>{{"n2", SyncState::Resyncing}});
  CHECK(t.n2_heard.back() == "flags-set datarep --source n1 --sync-state resyncing");
}

TEST_CASE("extend: when md refuses the add, the leg is detached, the target stops serving, nothing is saved") {
  ExtendToN2 t;
  t.n1.system->on_run = [](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
    if (argv.size() > 3 && argv[3] == "--add") return mirror::ProgramResult{1, "", "mdadm: add new device failed\n"};
    return std::nullopt;
  };
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  CHECK_THROWS_AS(mirror::extend(t.n1.ctx, request), mirror::OpError);
  const auto& sys = *t.n1.system;
  CHECK(sys.index_of("detach /dev/nbd0") > sys.index_of("run mdadm --manage /dev/md0 --add"));
  CHECK(sys.index_of("on n2: serve --stop datarep") > sys.index_of("detach /dev/nbd0"));
  CHECK(t.n1.ctx.store.load(kTag).systems.size() == 1);
  CHECK(mirror::load_legs(t.n1.ctx, kTag).empty());
  CHECK(!sys.saw("on n2: config-import"));
  CHECK(t.n1.flags().targets(kTag).empty());
}

TEST_CASE("extend: a target that answers as this system is refused before anything runs there") {
  ExtendToN2 t;
  t.n1.system->peers["n2"] = [](const std::vector<std::string>&) {
    return mirror::ProgramResult{0, R"({"node":"n1","address":"10.201.0.11","mirrors":[]})", ""};
  };
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  CHECK_THROWS_AS(mirror::extend(t.n1.ctx, request), mirror::UsageError);
  CHECK(t.n1.system->events == std::vector<std::string>{"on n2: node-info --json"});
}

TEST_CASE("node-info: names this system and lists the mirrors it knows, config-import keeps the local md device") {
  fake::FakeNode n3{"n3"};
  auto m = fake::two_node_mirror();
  m.md_device = "/dev/md1";  // n3 runs it under another name (N+1)
  n3.ctx.store.save(m);
  const auto info = nlohmann::json::parse(mirror::node_info_json(n3.ctx, "9.9"));
  CHECK(info.at("node") == "n3");
  CHECK(info.at("version") == "9.9");
  REQUIRE(info.at("mirrors").size() == 1);
  CHECK(info.at("mirrors")[0].at("tag") == "datarep");
  auto incoming = fake::two_node_mirror();  // the source's md0
  mirror::import_config(n3.ctx, mirror::config::render(incoming));
  CHECK(n3.ctx.store.load("datarep").md_device == "/dev/md1");
}

TEST_CASE("extend with LKDR_NO_FULL_SYNC: added frozen, recovery_start none, then its slot: no full sync, warned, recorded") {
  ExtendToN2 t;
  t.n1.ctx.settings.tunables.no_full_sync.value = true;
  auto& sys = *t.n1.system;
  sys.sysfs["md0/raid_disks"] = "2";
  sys.sysfs["md0/dev-ubda/slot"] = "0";
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  mirror::extend(t.n1.ctx, request);
  const int zero = sys.index_of("run mdadm --zero-superblock --force /dev/nbd0");
  const int frozen = sys.index_of("md_write md0 sync_action frozen");
  const int add = sys.index_of("run mdadm --manage /dev/md0 --add /dev/nbd0");
  const int none = sys.index_of("md_write md0 dev-nbd0/recovery_start none");
  const int slot = sys.index_of("md_write md0 dev-nbd0/slot 1");
  const int idle = sys.index_of("md_write md0 sync_action idle");
  REQUIRE(frozen >= 0);
  CHECK(zero < frozen);
  CHECK(frozen < add);
  CHECK(add < none);
  CHECK(none < slot);
  CHECK(slot < idle);
  CHECK(t.n1.said_line("WARNING: LKDR_NO_FULL_SYNC=1: n2 is added WITHOUT a full initial sync"));
  CHECK(mirror::seeded::load(t.n1.ctx, kTag) == std::set<std::string>{"n2"});
}

TEST_CASE("extend without LKDR_NO_FULL_SYNC: a plain add, recovery not frozen, nothing recorded") {
  ExtendToN2 t;
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  mirror::extend(t.n1.ctx, request);
  CHECK(!t.n1.system->saw("md_write md0 sync_action"));
  CHECK(!t.n1.system->saw("md_write md0 dev-nbd0/recovery_start"));
  CHECK(mirror::seeded::load(t.n1.ctx, kTag).empty());
}

TEST_CASE("extend with LKDR_NO_FULL_SYNC: when md refuses the add, recovery is unfrozen and the leg rolled back") {
  ExtendToN2 t;
  t.n1.ctx.settings.tunables.no_full_sync.value = true;
  t.n1.system->on_run = [](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
    if (argv.size() > 3 && argv[3] == "--add") return mirror::ProgramResult{1, "", "mdadm: add new device failed\n"};
    return std::nullopt;
  };
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  CHECK_THROWS_AS(mirror::extend(t.n1.ctx, request), mirror::OpError);
  const auto& sys = *t.n1.system;
  CHECK(sys.index_of("md_write md0 sync_action idle") > sys.index_of("run mdadm --manage /dev/md0 --add"));
  CHECK(sys.saw("on n2: serve --stop datarep"));
  CHECK(mirror::seeded::load(t.n1.ctx, kTag).empty());
}

// Found by the fault campaign (issue 16): after a failover the source is not
// the first system of the configuration (the creator is), and unextend
// looked for targets past the first one only: from n2 it refused to drop n1
// ("not a target") and would have taken n2, this system, for a target.
TEST_CASE("unextend on a source that took over: the creator is a target, this system is not") {
  fake::FakeNode n2{"n2"};
  const auto m = fake::two_node_mirror();  // systems: n1 (the creator), n2
  REQUIRE(m.systems.front().host == "n1");
  fake::make_source(n2, m, {0xbb, {0xaa}});
  mirror::save_legs(n2.ctx, kTag, mirror::Legs{{"n1", "/dev/nbd0"}});
  n2.system->sysfs["md0/raid_disks"] = "2";
  std::vector<std::string> n1_heard;
  n2.system->peers["n1"] = [&](const std::vector<std::string>& args) -> mirror::ProgramResult {
    n1_heard.push_back(fake::joined(args));
    return {};
  };
  CHECK_THROWS_AS(mirror::unextend(n2.ctx, kTag, "n2"), mirror::UsageError);
  CHECK(n2.ctx.store.load(kTag).systems.size() == 2);
  mirror::unextend(n2.ctx, kTag, "n1");
  const auto left = n2.ctx.store.load(kTag);
  REQUIRE(left.systems.size() == 1);
  CHECK(left.systems.front().host == "n2");
  CHECK(mirror::load_legs(n2.ctx, kTag).empty());
  CHECK(std::count(n1_heard.begin(), n1_heard.end(), "serve --stop datarep") == 1);
}
