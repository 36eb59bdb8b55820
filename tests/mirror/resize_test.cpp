// SPDX-License-Identifier: GPL-2.0-or-later
// resize: the pure planner (every refusal and the grow, by table) and the
// orchestration against the recording fake: refusals change nothing; a grow
// gives each target's leg its size on a fresh connection (its server killed
// and started again) before md grows, and a target that fails stops it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fake_system.hpp"
#include "netraid/mirror/lifecycle.hpp"
#include "netraid/mirror/resize.hpp"

using namespace netraid;
using namespace netraid::mirror::resize;

namespace {

constexpr std::uint64_t MiB = 1 << 20;

// n1's leg and n2's, each `mib` MiB with md's data 1 MiB in; md uses 255 MiB.
Facts facts(std::uint64_t n1_mib, std::uint64_t n2_mib, std::optional<std::uint64_t> requested = std::nullopt) {
  Facts f;
  f.tag = "datarep";
  f.component_kib = 255 * 1024;
  f.legs = {{"n1", "/dev/dm-0", n1_mib * MiB, MiB}, {"n2", "/dev/dm-0", n2_mib * MiB, MiB}};
  f.requested_kib = requested;
  return f;
}

}  // namespace

TEST_CASE("resize plan: grows to what the smallest leg holds, or to -s rounded down to 64 KiB") {
  auto p = plan_resize(facts(384, 384));
  CHECK(p.outcome == Outcome::kGrow);
  CHECK(p.exit_code == 0);
  CHECK(p.old_kib == 255 * 1024);
  CHECK(p.new_kib == 383 * 1024);
  // A target larger than the source: the source's leg is the smallest.
  CHECK(plan_resize(facts(384, 512)).new_kib == 383 * 1024);
  p = plan_resize(facts(384, 384, 300 * 1024 + 100));
  CHECK(p.outcome == Outcome::kGrow);
  CHECK(p.new_kib == 300 * 1024 + 64);
  // md's data offset and the 64 KiB rounding come off each leg.
  const Leg odd{"n1", "/dev/sdb", 1000 * MiB + 100 * 1024, 2 * MiB};
  CHECK(usable_kib(odd) == 998 * 1024 + 64);  // 998 MiB + 100 KiB, down to 64 KiB
  CHECK(usable_kib({"n1", "/dev/sdb", MiB, 2 * MiB}) == 0);
}

TEST_CASE("errors-resize plan: shrink, target too small, -s too large, nothing to grow") {
  struct Row {
    const char* name;
    Facts f;
    Outcome outcome;
    int exit_code;
    const char* host;
    const char* says;
  };
  const Row rows[] = {
      {"shrink", facts(384, 384, 200 * 1024), Outcome::kShrink, 2, "", "never shrunk"},
      {"shrink below even with room", facts(256, 256, 1024), Outcome::kShrink, 2, "", "give at least 261120"},
      {"target smaller than the source", facts(384, 256), Outcome::kTargetTooSmall, 1, "n2", "grow it on n2 first"},
      {"target smaller even with -s", facts(384, 300, 280 * 1024), Outcome::kTargetTooSmall, 1, "n2", "n2's /dev/dm-0"},
      {"-s larger than the smallest leg", facts(384, 384, 384 * 1024), Outcome::kTooLarge, 2, "n1", "give at most 392192"},
      {"nothing grew", facts(256, 256), Outcome::kNothingToGrow, 1, "n1", "grow the devices first"},
      {"-s the size it has", facts(384, 384, 255 * 1024), Outcome::kNothingToGrow, 1, "n1", "nothing to grow"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto p = plan_resize(row.f);
    CHECK(p.outcome == row.outcome);
    CHECK(p.exit_code == row.exit_code);
    CHECK(p.host == row.host);
    CHECK(p.reason.find(row.says) != std::string::npos);
    CHECK(p.reason.find('\n') == std::string::npos);
    CHECK(p.new_kib == p.old_kib);
  }
}

namespace {

// n1 is the source of datarep, in sync with n2 on /dev/nbd0; both legs grew
// from 256 to 384 MiB (n2 reports its size through node-info).
struct Grown {
  fake::FakeNode n1{"n1"};
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = fake::two_node_mirror();
  std::uint64_t n2_bytes = 384 * MiB;
  std::vector<std::string> n2_heard;

  Grown() {
    m.mount_dir = "/mnt";
    m.fstype = "ext4";
    fake::make_source(n1, m, {0xaa, {}});
    n2.ctx.store.save(m);
    auto& sys = *n1.system;
    sys.sysfs["md0/component_size"] = std::to_string(255 * 1024);
    sys.sysfs["md0/sync_action"] = "idle";
    sys.sysfs["md0/dev-nbd0/state"] = "in_sync,write_mostly";
    sys.devices["/dev/ubda"].size_bytes = 384 * MiB;
    sys.devices["/dev/nbd0"].size_bytes = 256 * MiB;
    sys.connected.insert("/dev/nbd0");
    for (const char* dev : {"/dev/ubda", "/dev/nbd0"}) {
      sys.members[dev] = fake::md_superblock(30);
      sys.members[dev].superblock.data_offset_sectors = 2048;
    }
    mirror::save_legs(n1.ctx, m.tag, {{"n2", "/dev/nbd0"}});
    sys.peers["n2"] = [this](const std::vector<std::string>& args) -> mirror::ProgramResult {
      n2_heard.push_back(fake::joined(args));
      if (args.at(0) == "node-info") {
        n2.system->devices["/dev/ubda"].size_bytes = n2_bytes;  // what n2's disk holds now
        return {0, mirror::node_info_json(n2.ctx, "test"), ""};
      }
      return {0, "", ""};
    };
  }
  std::vector<std::string> mdadm_runs() const {
    std::vector<std::string> out;
    for (const auto& e : n1.system->events)
      if (e.rfind("run mdadm", 0) == 0) out.push_back(e);
    return out;
  }
};

}  // namespace

TEST_CASE("errors-resize: a mirror with md metadata 1.0 (made from an existing file system) is refused") {
  Grown g;
  auto& sb = g.n1.system->members["/dev/ubda"].superblock;
  sb.data_offset_sectors = 0;
  sb.super_offset_sectors = 524272;  // at the end: 1.0
  Request req{"datarep", std::nullopt, [](const std::string&) { return true; }};
  CHECK_THROWS_WITH_AS(resize(g.n1.ctx, req), doctest::Contains("keeps md's metadata 1.0 at the end of its legs"),
                       mirror::OpError);
  CHECK(g.mdadm_runs().empty());
  CHECK_FALSE(g.n1.system->saw("regrow"));
  CHECK(g.n2_heard.empty());
}

TEST_CASE("resize: each target's leg takes its size on a fresh connection, then md grows") {
  Grown g;
  std::string asked;
  Request req{"datarep", std::nullopt, [&](const std::string& q) {
                asked = q;
                return true;
              }};
  const auto r = resize(g.n1.ctx, req);
  CHECK(asked.find("from 267386880 to 401604608 bytes") != std::string::npos);
  CHECK(r.old_bytes == 255 * MiB);
  CHECK(r.new_bytes == 383 * MiB);
  CHECK(r.fs_grow_command == "resize2fs /dev/md0");
  const auto& ev = g.n1.system->events;
  const int regrow = g.n1.system->index_of("regrow /dev/nbd0 10.201.0.12:10809 to 402653184");
  const int stop = g.n1.system->index_of("on n2: serve --stop datarep --drop");
  const int serve = g.n1.system->index_of("on n2: serve datarep --device /dev/ubda");
  const int grow = g.n1.system->index_of("run mdadm --grow /dev/md0 --size=392192");
  REQUIRE(regrow >= 0);
  REQUIRE(grow >= 0);
  CHECK(regrow < stop);  // the hold is in place before the server goes
  CHECK(stop < serve);
  CHECK(serve < grow);
  CHECK(ev.at(static_cast<std::size_t>(serve)).find("--size 402653184") != std::string::npos);
  CHECK(g.mdadm_runs() == std::vector<std::string>{"run mdadm --grow /dev/md0 --size=392192"});
}

TEST_CASE("errors-resize: refusals change nothing: plan, not confirmed, a target out, busy md, a failed regrow") {
  SUBCASE("the target did not grow: refused by the plan, exit 1, nothing run") {
    Grown g;
    g.n2_bytes = 256 * MiB;
    try {
      resize(g.n1.ctx, {"datarep", std::nullopt, {}});
      FAIL("not refused");
    } catch (const mirror::OpError& e) {
      CHECK(e.exit_code == 1);
      CHECK(std::string(e.what()).find("grow it on n2 first") != std::string::npos);
    }
    CHECK_FALSE(g.n1.system->saw("regrow"));
    CHECK(g.mdadm_runs().empty());
    CHECK(g.n2_heard == std::vector<std::string>{"node-info --json"});
  }
  SUBCASE("-s too large: exit 2") {
    Grown g;
    CHECK_THROWS_AS(resize(g.n1.ctx, {"datarep", 500 * 1024, {}}), mirror::UsageError);
    CHECK(g.mdadm_runs().empty());
  }
  SUBCASE("the operator says no") {
    Grown g;
    CHECK_THROWS_WITH_AS(resize(g.n1.ctx, {"datarep", std::nullopt, [](const std::string&) { return false; }}),
                         doctest::Contains("not confirmed"), mirror::UsageError);
    CHECK_FALSE(g.n1.system->saw("regrow"));
    CHECK(g.mdadm_runs().empty());
  }
  SUBCASE("a target that is not mirroring, a resync under way, not in service") {
    Grown g;
    g.n1.system->sysfs["md0/dev-nbd0/state"] = "faulty";
    CHECK_THROWS_WITH(resize(g.n1.ctx, {"datarep", std::nullopt, {}}), doctest::Contains("n2 of datarep is not mirroring"));
    g.n1.system->sysfs["md0/dev-nbd0/state"] = "in_sync";
    mirror::save_paused(g.n1.ctx, "datarep", {"n2"});
    CHECK_THROWS_WITH(resize(g.n1.ctx, {"datarep", std::nullopt, {}}), doctest::Contains("not mirroring"));
    mirror::save_paused(g.n1.ctx, "datarep", {});
    g.n1.system->sysfs["md0/sync_action"] = "recover";
    CHECK_THROWS_WITH(resize(g.n1.ctx, {"datarep", std::nullopt, {}}), doctest::Contains("netraid wait datarep"));
    g.n1.system->sysfs["md0/array_state"] = "inactive";
    CHECK_THROWS_WITH(resize(g.n1.ctx, {"datarep", std::nullopt, {}}), doctest::Contains("not in service"));
    CHECK(g.mdadm_runs().empty());
    CHECK_FALSE(g.n1.system->saw("regrow"));
  }
  SUBCASE("a target that does not take its size: md keeps its size") {
    Grown g;
    g.n1.system->regrow_errors["/dev/nbd0"] = "the connection to 10.201.0.12:10809 did not drop";
    CHECK_THROWS_WITH(resize(g.n1.ctx, {"datarep", std::nullopt, {}}), doctest::Contains("keeps its size"));
    CHECK(g.mdadm_runs().empty());
  }
  SUBCASE("an old netraid on the target that does not report sizes") {
    Grown g;
    g.n1.system->peers["n2"] = [](const std::vector<std::string>&) -> mirror::ProgramResult {
      return {0, R"({"node":"n2","address":"10.201.0.12","version":"0.0","mirrors":[]})", ""};
    };
    CHECK_THROWS_WITH(resize(g.n1.ctx, {"datarep", std::nullopt, {}}), doctest::Contains("install this version"));
    CHECK(g.mdadm_runs().empty());
  }
}

TEST_CASE("resize: the file system grow the operator runs") {
  auto m = fake::two_node_mirror();
  CHECK(fs_grow_command(m).empty());
  m.mount_dir = "/data";
  m.fstype = "xfs";
  CHECK(fs_grow_command(m) == "xfs_growfs /data");
  m.fstype = "ext4";
  CHECK(fs_grow_command(m) == "resize2fs /dev/md0");
}
