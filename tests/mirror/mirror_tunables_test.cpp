// SPDX-License-Identifier: GPL-2.0-or-later
// A mirror's own tunables (issue 15) against the recording fake: `netraid
// set TAG --tunable` checks everything before it changes anything, saves the
// config, gives it to every other system and puts a speed limit on the
// running array; every reader of a per-mirror tunable takes the mirror's
// value over this system's file; status --json lists them.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fake_system.hpp"
#include "netraid/mirror/lifecycle.hpp"
#include "netraid/mirror/observe.hpp"
#include "netraid/mirror/resync_rate.hpp"
#include "netraid/mirror/service.hpp"

using namespace netraid;
using mirror::tunables::Origin;

namespace {

const std::string kTag = "datarep";

// n1 is the source of datarep (n1 + n2) with md0 running; n2 imports configs
// with the product's own code.
struct SourceN1 {
  fake::FakeNode n1{"n1"};
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = fake::two_node_mirror();
  std::vector<std::string> n2_heard;

  SourceN1() {
    fake::make_source(n1, m, {0xaa, {}});
    auto& sys = *n1.system;
    sys.sysfs["md0/sync_speed_max"] = "200000 (system)";
    sys.sysfs["md0/sync_speed_min"] = "1000 (system)";
    sys.proc["/proc/sys/dev/raid/speed_limit_max"] = "200000\n";
    sys.proc["/proc/sys/dev/raid/speed_limit_min"] = "1000\n";
    sys.peers["n2"] = [this](const std::vector<std::string>& args) -> mirror::ProgramResult {
      n2_heard.push_back(fake::joined(args));
      if (args.at(0) == "config-import") mirror::import_config(n2.ctx, args.at(1));
      return {};
    };
  }
  std::string config_text() const { return mirror::config::render(n1.ctx.store.load(kTag)); }
};

}  // namespace

TEST_CASE("set --tunable: saved, given to every system, the speed limit put on the running array") {
  SourceN1 t;
  t.n1.ctx.settings.tunables.speed_limit_kbs = {std::uint64_t{4000}, Origin::kFile, 1};
  const auto lines = mirror::set_tunables(t.n1.ctx, kTag, {{"LKDR_SPEED_LIMIT", "50000"}});
  CHECK(t.n1.ctx.store.load(kTag).tunables == mirror::tunables::Overrides{{"LKDR_SPEED_LIMIT", "50000"}});
  // n2 got the same document and keeps it.
  REQUIRE(t.n2_heard.size() == 1);
  CHECK(t.n2_heard[0].rfind("config-import ", 0) == 0);
  CHECK(t.n2.ctx.store.load(kTag).tunables.at("LKDR_SPEED_LIMIT") == "50000");
  const auto& sys = *t.n1.system;
  CHECK(sys.saw("md_write md0 sync_speed_max 50000"));
  CHECK(!sys.saw("md_write md0 sync_speed_min"));  // unchanged: not written
  CHECK(sys.index_of("on n2: config-import") < sys.index_of("md_write md0 sync_speed_max"));
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "datarep: LKDR_SPEED_LIMIT = 50000 (mirror config)");

  // KEY= drops it: the file's value is in force again, and on the array.
  t.n1.system->events.clear();
  const auto dropped = mirror::set_tunables(t.n1.ctx, kTag, {{"LKDR_SPEED_LIMIT", ""}});
  CHECK(t.n1.ctx.store.load(kTag).tunables.empty());
  CHECK(t.n2.ctx.store.load(kTag).tunables.empty());
  CHECK(t.n1.system->saw("md_write md0 sync_speed_max 4000"));
  CHECK(dropped[0] == "datarep: LKDR_SPEED_LIMIT = 4000 (/etc/default/LifeKeeper)");
}

TEST_CASE("set --tunable: with no value anywhere after a drop, the array goes back to md's system default") {
  SourceN1 t;
  mirror::set_tunables(t.n1.ctx, kTag, {{"LKDR_SPEED_LIMIT", "50000"}});
  t.n1.system->events.clear();
  mirror::set_tunables(t.n1.ctx, kTag, {{"LKDR_SPEED_LIMIT", ""}});
  CHECK(t.n1.system->saw("md_write md0 sync_speed_max system"));
}

TEST_CASE("set --tunable: a key that is not a speed limit changes the config only, even on a target") {
  SourceN1 t;
  // On n2, where the array does not run: saved there and given to n1.
  t.n2.ctx.store.save(t.m);
  bool n1_imported = false;
  t.n2.system->peers["n1"] = [&](const std::vector<std::string>& args) -> mirror::ProgramResult {
    if (args.at(0) == "config-import") {
      mirror::import_config(t.n1.ctx, args.at(1));
      n1_imported = true;
    }
    return {};
  };
  const auto lines = mirror::set_tunables(t.n2.ctx, kTag, {{"LKDR_CONNECT_NBD_DURING_RESTORE", "False"},
                                                           {"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "30"}});
  CHECK(n1_imported);
  CHECK(t.n1.ctx.store.load(kTag).tunables.at("LKDR_CONNECT_NBD_DURING_RESTORE") == "False");
  CHECK(!t.n2.system->saw("md_write"));
  CHECK(lines == std::vector<std::string>{"datarep: LKDR_CONNECT_NBD_DURING_RESTORE = false (mirror config)",
                                          "datarep: LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT = 30 (mirror config)"});
}

TEST_CASE("set --tunable: the environment's value wins and set says so") {
  SourceN1 t;
  t.n1.ctx.settings.tunables.speed_limit_kbs = {std::uint64_t{7000}, Origin::kEnvironment};
  const auto lines = mirror::set_tunables(t.n1.ctx, kTag, {{"LKDR_SPEED_LIMIT", "50000"}});
  CHECK(t.n1.ctx.store.load(kTag).tunables.at("LKDR_SPEED_LIMIT") == "50000");  // kept for other commands
  CHECK(lines[0] == "datarep: LKDR_SPEED_LIMIT = 7000 (environment)");
  CHECK(t.n1.said_line("the environment's LKDR_SPEED_LIMIT wins over the mirror's value in this command"));
  CHECK(!t.n1.system->saw("md_write"));  // nothing in force changed
}

TEST_CASE("set --tunable: every refusal is one line, and nothing is changed anywhere") {
  SourceN1 t;
  t.n1.ctx.settings.tunables.speed_limit_min_kbs = {std::uint64_t{20000}, Origin::kFile, 2};
  const auto before = t.config_text();
  const auto refused = [&](const mirror::TunableChanges& changes) -> std::string {
    try {
      mirror::set_tunables(t.n1.ctx, kTag, changes);
    } catch (const mirror::UsageError& e) {  // exit 2
      return e.what();
    } catch (const mirror::tunables::TunableError& e) {  // invalid_argument: exit 2
      return e.what();
    }
    return "<accepted>";
  };
  CHECK(refused({{"LKDR_SPEED_LIMIT", "fast"}}) ==
        "LKDR_SPEED_LIMIT='fast' (mirror config of datarep) is not a number of KB/s from 1 to 100000000: fix it "
        "with 'netraid set datarep --tunable LKDR_SPEED_LIMIT=VALUE' or drop it with 'netraid set datarep "
        "--tunable LKDR_SPEED_LIMIT='");
  CHECK(refused({{"LKCHECKINTERVAL", "3"}}).find("is not a tunable a mirror can set") != std::string::npos);
  // Good alone, but below this system's minimum from the file.
  CHECK(refused({{"LKDR_SPEED_LIMIT", "5000"}}).rfind(
            "LKDR_SPEED_LIMIT='5000' (mirror config of datarep) is below LKDR_SPEED_LIMIT_MIN='20000' "
            "(/etc/default/LifeKeeper line 2)",
            0) == 0);
  // One good change and one bad: neither is made.
  CHECK(refused({{"LKDR_NO_FULL_SYNC", "1"}, {"LKDR_SPEED_LIMIT_MIN", "-1"}}).find("LKDR_SPEED_LIMIT_MIN='-1'") !=
        std::string::npos);
  CHECK(t.config_text() == before);
  CHECK(t.n2_heard.empty());
  CHECK(!t.n1.system->saw("md_write"));
  // A limit md would ignore against what md has in force (a minimum set with
  // `netraid set --speed-limit-min` on the running array).
  t.n1.ctx.settings.tunables.speed_limit_min_kbs = {};
  t.n1.system->sysfs["md0/sync_speed_min"] = "90000 (local)";
  CHECK(refused({{"LKDR_SPEED_LIMIT", "50000"}}).find("is above --speed-limit 50000 KB/s") != std::string::npos);
  CHECK(t.config_text() == before);
  CHECK(!t.n1.system->saw("md_write"));
}

TEST_CASE("a mirror's own tunables reach their readers: restore's wait and connect, the limits it applies") {
  fake::FakeNode n2{"n2"};
  auto m = fake::two_node_mirror();
  m.tunables = {{"LKDR_SPEED_LIMIT", "9000"}, {"LKDR_CONNECT_NBD_DURING_RESTORE", "False"},
                {"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "45"}};
  n2.ctx.store.save(m);
  // This system's file says otherwise: the mirror's values win.
  n2.ctx.settings.tunables.speed_limit_kbs = {std::uint64_t{4000}, Origin::kFile, 1};
  n2.ctx.settings.tunables.wait_for_previous_source_s = {300, Origin::kFile, 2};
  const auto t = mirror::mirror_tunables(n2.ctx, m);
  CHECK(t.speed_limit_kbs.value == 9000u);
  CHECK(t.wait_for_previous_source_s.value == 45);
  CHECK(t.wait_for_previous_source_s.origin == Origin::kMirror);
  auto f = n2.flags();
  f.create_directory();
  f.set_source(kTag, "n1");
  f.set_sync_state(kTag, flags::SyncState::InSync);
  f.set_generation(kTag, {0xaa, {0x11}});
  n2.system->members["/dev/ubda"] = fake::md_superblock(120);
  CHECK(mirror::failover::gather_service_facts(n2.ctx, kTag, false).query.wait_timeout_s == 45);
  std::filesystem::create_directories(n2.ctx.settings.run_dir);
  std::ofstream(n2.ctx.settings.run_dir + "/" + kTag + ".source_seen") << "n1\n";
  mirror::failover::restore(n2.ctx, kTag, false);
  CHECK(n2.system->saw("md_write md0 sync_speed_max 9000"));
  CHECK(!n2.system->saw("md_write md0 sync_speed_max 4000"));
  CHECK(n2.said_line("datarep: sync_speed_max = 9000 KB/s (LKDR_SPEED_LIMIT, mirror config)"));
  CHECK(n2.said_line("targets not connected now (LKDR_CONNECT_NBD_DURING_RESTORE=False)"));
  CHECK(!n2.system->saw("on n1: serve"));
}

TEST_CASE("status --json lists each mirror's tunables in force with their origin, another mirror keeps the file's") {
  fake::FakeNode n1{"n1"};
  n1.system->proc["/proc/mdstat"] = fixtures::kNoArrays;
  auto a = fake::two_node_mirror();
  a.tunables = {{"LKDR_SPEED_LIMIT", "50000"}};
  auto b = fake::two_node_mirror();
  b.tag = "other";
  b.md_device = "/dev/md1";
  b.systems[0].device = "/dev/ubdb";
  b.systems[1].port = 10810;
  n1.ctx.settings.tunables.speed_limit_kbs = {std::uint64_t{4000}, Origin::kFile, 1};
  const auto all = mirror::status::observe_mirrors(n1.ctx, {a, b});
  const auto doc = nlohmann::json::parse(mirror::status::render_json(all));
  const auto& ta = doc["mirrors"][0]["tunables"];
  const auto& tb = doc["mirrors"][1]["tunables"];
  CHECK(ta["LKDR_SPEED_LIMIT"] == nlohmann::json{{"value", 50000}, {"origin", "mirror config"}});
  CHECK(tb["LKDR_SPEED_LIMIT"] == nlohmann::json{{"value", 4000}, {"origin", "/etc/default/LifeKeeper"}});
  CHECK(ta["LKDR_CONNECT_NBD_DURING_RESTORE"] == nlohmann::json{{"value", true}, {"origin", "default"}});
  CHECK(ta.size() == mirror::tunables::per_mirror_keys().size());
  CHECK(!ta.contains("LKCHECKINTERVAL"));
}
