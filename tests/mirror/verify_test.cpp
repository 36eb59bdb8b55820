// SPDX-License-Identifier: GPL-2.0-or-later
// verify: the pure refusal (every class, by table), the verdict and region
// rendering, the record file, and the orchestration against the recording
// fake: md's check driven through sync_action, the mismatch count read at
// its end, the regions found by comparing the legs, the record shown by
// status; a refusal writes nothing to md.
#include <doctest/doctest.h>

#include "fake_system.hpp"
#include "netraid/mirror/observe.hpp"
#include "netraid/mirror/verify.hpp"

using namespace netraid;
using namespace netraid::mirror::verify;

namespace {

// n1 (this system, leg ubda in slot 0) and n2 (nbd0, slot 1), idle and in sync.
Facts healthy() {
  Facts f;
  f.tag = "datarep";
  f.md_device = "/dev/md0";
  f.in_service = true;
  f.sync_action = "idle";
  f.sync_completed = "none";
  f.legs = {{"n1", true, false, "ubda", true, false, 0}, {"n2", false, false, "nbd0", true, false, 1}};
  return f;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("verify refusal: a healthy mirror in service is verified, and repaired when its own leg comes first") {
  CHECK(verify_refusal(healthy()).refusal == Refusal::kNone);
  auto f = healthy();
  f.repair = true;
  CHECK(verify_refusal(f).refusal == Refusal::kNone);
}

TEST_CASE("errors-verify refusal: every class names the problem and what to do") {
  struct Row {
    const char* name;
    std::function<void(Facts&)> change;
    Refusal refusal;
    const char* host;
    const char* says;
  };
  const Row rows[] = {
      {"not in service", [](Facts& f) { f.in_service = false; }, Refusal::kNotInService, "", "verify it on its source"},
      {"no target", [](Facts& f) { f.legs.pop_back(); }, Refusal::kNoTargets, "", "netraid extend datarep"},
      {"paused", [](Facts& f) { f.legs[1].paused = true, f.legs[1].member = ""; }, Refusal::kPaused, "n2",
       "netraid resume datarep n2"},
      {"another check",
       [](Facts& f) { f.sync_action = "check", f.sync_completed = "500 / 1000"; }, Refusal::kCheckRunning, "",
       "a check of /dev/md0 is already running (50%)"},
      {"repair running", [](Facts& f) { f.sync_action = "repair"; }, Refusal::kCheckRunning, "", "netraid wait datarep"},
      {"recovering", [](Facts& f) { f.sync_action = "recover", f.sync_completed = "250 / 1000", f.legs[1].in_sync = false; },
       Refusal::kSyncRunning, "", "resyncing (a recover of /dev/md0 (25%))"},
      {"resync", [](Facts& f) { f.sync_action = "resync"; }, Refusal::kSyncRunning, "", "netraid wait datarep"},
      {"frozen", [](Facts& f) { f.sync_action = "frozen"; }, Refusal::kFrozen, "", "frozen"},
      {"unknown action", [](Facts& f) { f.sync_action = "dance"; }, Refusal::kSyncRunning, "", "'dance'"},
      {"target not attached", [](Facts& f) { f.legs[1].member = "", f.degraded = 1; }, Refusal::kLegOut, "n2",
       "target n2 of datarep is not mirroring"},
      {"target faulty", [](Facts& f) { f.legs[1].faulty = true, f.degraded = 1; }, Refusal::kLegOut, "n2",
       "target n2's leg (nbd0) of datarep is faulty"},
      {"target spare", [](Facts& f) { f.legs[1].in_sync = false; }, Refusal::kLegOut, "n2", "is not in sync"},
      {"own leg faulty", [](Facts& f) { f.legs[0].faulty = true; }, Refusal::kLegOut, "n1", "this system's leg"},
      {"md degraded", [](Facts& f) { f.degraded = 1; }, Refusal::kDegraded, "", "md counts 1 missing"},
      {"repair from a target",
       [](Facts& f) { f.repair = true, f.legs[0].slot = 1, f.legs[1].slot = 0; }, Refusal::kRepairFromTarget, "n2",
       "netraid fullresync datarep"},
      {"repair, slot unknown", [](Facts& f) { f.repair = true, f.legs[1].slot.reset(); }, Refusal::kRepairFromTarget,
       "n2", "cannot tell"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    auto f = healthy();
    row.change(f);
    const auto d = verify_refusal(f);
    CHECK(d.refusal == row.refusal);
    CHECK(d.host == row.host);
    CHECK(has(d.reason, row.says));
    CHECK(d.reason.find('\n') == std::string::npos);
  }
  // The paused target is named before the degraded array it makes.
  auto f = healthy();
  f.legs[1].paused = true;
  f.legs[1].member = "";
  f.degraded = 1;
  f.sync_action = "recover";
  CHECK(verify_refusal(f).refusal == Refusal::kPaused);
  // Slots of a target that is not first do not matter to a plain verify.
  f = healthy();
  f.legs[0].slot = 1;
  f.legs[1].slot = 0;
  CHECK(verify_refusal(f).refusal == Refusal::kNone);
}

TEST_CASE("verify regions: differing 4 KiB blocks merge into regions per host") {
  std::string a(16384, 'a'), b = a;
  b[5000] = 'x';  // block 1
  b[9000] = 'x';  // block 2, next to it
  std::vector<Region> regions;
  add_differences(regions, 1 << 20, a, b, "n2");
  REQUIRE(regions.size() == 1);
  CHECK(regions[0].offset_bytes == (1 << 20) + 4096);
  CHECK(regions[0].length_bytes == 8192);
  CHECK(regions[0].host == "n2");
  // The next buffer goes on where this one ended; another host starts its own region.
  std::string c(4096, 'a'), d(4096, 'b');
  add_differences(regions, (1 << 20) + 12288, c, d, "n2");
  CHECK(regions.size() == 1);
  CHECK(regions[0].length_bytes == 12288);
  add_differences(regions, (1 << 20) + 16384, c, d, "n3");
  CHECK(regions.size() == 2);
  // A shorter read (a device's end) differs where the other has bytes.
  regions.clear();
  add_differences(regions, 0, std::string(8192, 'a'), std::string(4096, 'a'), "n2");
  REQUIRE(regions.size() == 1);
  CHECK(regions[0].offset_bytes == 4096);
  regions.clear();
  add_differences(regions, 0, a, a, "n2");
  CHECK(regions.empty());
}

TEST_CASE("verify verdict: identical, differ with what to do, repaired, not verified") {
  Record r;
  r.action = "check";
  r.result = "identical";
  r.started = 100;
  r.ended = 110;
  r.bytes_compared = 268369920;
  CHECK(render_verdict("datarep", r) == "datarep: legs identical (268369920 bytes compared in 10 s, 26.8 MB/s)");
  CHECK(exit_code(r) == 0);

  r.result = "differ";
  r.mismatch_sectors = 128;
  r.regions_listed = true;
  r.regions_total = 1;
  r.regions = {{1048576, 4096, "n2"}};
  const auto differ = render_verdict("datarep", r);
  CHECK(has(differ, "datarep: 128 sectors (65536 bytes, md's mismatch_cnt) differ between the legs in 1 region on n2"));
  CHECK(has(differ, "nothing was changed"));
  CHECK(has(differ, "'netraid verify datarep --repair' copies this system's leg (the source's"));
  CHECK(exit_code(r) == 1);
  CHECK(render_regions(r) == std::vector<std::string>{"  bytes 1048576-1052671 (4096 bytes) of the array differ on n2"});
  r.regions_total = 70;
  CHECK(render_regions(r).back() == "  ... and 69 more regions");

  r.action = "repair";
  r.result = "repaired";
  CHECK(has(render_verdict("datarep", r), "128 sectors (65536 bytes, md's mismatch_cnt) differed and were repaired"));
  CHECK(exit_code(r) == 1);

  r.result = "interrupted";
  r.note = "timed out after 5 s at 40%";
  CHECK(render_verdict("datarep", r) ==
        "datarep: not verified: timed out after 5 s at 40% (what it covered was repaired): run 'netraid verify "
        "datarep --repair' again");
  CHECK(exit_code(r) == 3);
  for (const auto& line : {differ, render_verdict("datarep", r)}) CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("verify record: the file round-trips and status renders it") {
  Record r;
  r.action = "check";
  r.result = "differ";
  r.started = 1700000000;
  r.ended = 1700000012;
  r.bytes_compared = 268369920;
  r.mismatch_sectors = 128;
  r.speed_limit_kib_s = 200000;
  r.regions_listed = true;
  r.regions_total = 1;
  r.regions = {{1048576, 4096, "n2"}};
  const auto back = from_json(to_json(r));
  CHECK(to_json(back) == to_json(r));
  CHECK(back.regions[0].host == "n2");
  CHECK(netraid::mirror::status::render_last_verify(r) ==
        "128 sectors differ in 1 region, check of 268369920 bytes ended 2023-11-14 22:13:32 UTC (12 s)");
}

namespace {

// n1 the source of datarep on md0 with n2 attached as nbd0, both legs in
// sync; md's check played: started by "check", it advances a third at each
// wait and ends with MISMATCH sectors. The disks hold 64 KiB of data after
// a 4 KiB data offset.
struct Verified {
  fake::FakeNode n1{"n1"};
  netraid::mirror::config::MirrorConfig m = fake::two_node_mirror();
  int waits = 0;
  std::string mismatch = "0";

  Verified() {
    fake::make_source(n1, m, {0xaa, {}});
    auto& s = *n1.system;
    s.sysfs["md0/dev-nbd0/state"] = "in_sync,write_mostly";
    s.sysfs["md0/dev-ubda/slot"] = "0";
    s.sysfs["md0/dev-nbd0/slot"] = "1";
    s.sysfs["md0/degraded"] = "0";
    s.sysfs["md0/sync_action"] = "idle";
    s.sysfs["md0/sync_completed"] = "none";
    s.sysfs["md0/sync_min"] = "0";
    s.sysfs["md0/sync_max"] = "max";
    s.sysfs["md0/sync_speed_max"] = "200000 (system)";
    s.sysfs["md0/component_size"] = "64";
    s.sysfs["md0/mismatch_cnt"] = "0";
    netraid::mirror::save_legs(n1.ctx, m.tag, {{"n2", "/dev/nbd0"}});
    for (const char* dev : {"/dev/ubda", "/dev/nbd0"}) {
      auto md = fake::md_superblock(100);
      md.superblock.data_offset_sectors = 8;
      s.members[dev] = md;
      s.disks[dev] = std::string(4096, 's') + std::string(65536, 'd');
    }
    s.on_md_write = [this](const std::string&, const std::string& attribute, const std::string& value) {
      auto& sys = *n1.system;
      if (attribute != "sync_action") {
        sys.sysfs["md0/" + attribute] = value;
        return;
      }
      if (value == "check" || value == "repair") {
        sys.sysfs["md0/sync_action"] = value;
        sys.sysfs["md0/sync_completed"] = "0 / 128";
        sys.sysfs["md0/mismatch_cnt"] = "0";
        waits = 0;
      } else if (value == "idle") {
        sys.sysfs["md0/sync_action"] = "idle";
        sys.sysfs["md0/sync_completed"] = "none";
        sys.sysfs["md0/sync_min"] = "40";
      }
    };
    s.on_wait = [this] {
      auto& sys = *n1.system;
      if (sys.sysfs["md0/sync_action"] != "check" && sys.sysfs["md0/sync_action"] != "repair") return;
      if (++waits < 3) {
        sys.sysfs["md0/sync_completed"] = std::to_string(waits * 40) + " / 128";
        return;
      }
      sys.sysfs["md0/sync_action"] = "idle";
      sys.sysfs["md0/sync_completed"] = "none";
      sys.sysfs["md0/mismatch_cnt"] = mismatch;
    };
  }
  std::vector<std::string> md_writes() const {
    std::vector<std::string> w;
    for (const auto& e : n1.system->events)
      if (e.rfind("md_write", 0) == 0) w.push_back(e);
    return w;
  }
};

}  // namespace

TEST_CASE("verify run: md's check over the whole array, progress, identical, the record in status") {
  Verified v;
  v.n1.system->sysfs["md0/sync_min"] = "40";  // an earlier check stopped there
  std::vector<std::string> seen;
  Request req;
  req.tag = "datarep";
  req.progress = [&](const netraid::mirror::status::ResyncSample& s) {
    seen.push_back(s.action + " " + std::to_string(s.done_sectors));
  };
  const auto r = run(v.n1.ctx, req);
  CHECK(r.result == "identical");
  CHECK(r.bytes_compared == 65536);
  CHECK(r.speed_limit_kib_s == 200000);
  CHECK(exit_code(r) == 0);
  CHECK(v.md_writes() == std::vector<std::string>{"md_write md0 sync_min 0", "md_write md0 sync_action check"});
  CHECK(seen == std::vector<std::string>{"check 40", "check 80"});
  CHECK(v.n1.system->disks.size() == 2);
  CHECK(v.n1.said_line("md's check of /dev/md0 started (at most 200000 KB/s: sync_speed_max)"));
  // Nothing read the legs: md found them equal.
  const auto saved = load(v.n1.ctx, "datarep");
  REQUIRE(saved);
  CHECK(saved->result == "identical");
  const auto seen_node = netraid::mirror::status::observe_node(v.n1.ctx, v.m);
  REQUIRE(seen_node.last_verify);
  CHECK(seen_node.last_verify->bytes_compared == 65536);
}

TEST_CASE("verify run: mismatches found, the region listed where the legs really differ") {
  Verified v;
  v.mismatch = "128";
  auto& nbd = v.n1.system->disks["/dev/nbd0"];
  nbd[4096 + 20000] ^= 1;  // array byte 20000: block 4 (16384-20479)
  const auto r = run(v.n1.ctx, {"datarep", false, 0, true, {}, {}});
  CHECK(r.result == "differ");
  CHECK(r.mismatch_sectors == 128);
  CHECK(exit_code(r) == 1);
  CHECK(r.regions_listed);
  REQUIRE(r.regions.size() == 1);
  CHECK(r.regions[0].offset_bytes == 16384);
  CHECK(r.regions[0].length_bytes == 4096);
  CHECK(r.regions[0].host == "n2");
  // The block was read again 3 times, 0.2 s apart, before it was listed.
  CHECK(std::count(v.n1.system->slept_ms.begin(), v.n1.system->slept_ms.end(), 200) == 3);
  CHECK(v.md_writes() == std::vector<std::string>{"md_write md0 sync_action check"});
}

TEST_CASE("verify run: a difference that goes away on the re-read is not listed, --no-regions reads nothing") {
  Verified v;
  v.mismatch = "128";
  v.n1.system->disks["/dev/nbd0"][4096 + 100] ^= 1;
  // A write in flight: by the re-read the target holds what the source has.
  v.n1.system->on_sleep = [&v](int) { v.n1.system->disks["/dev/nbd0"] = v.n1.system->disks["/dev/ubda"]; };
  Request req{"datarep", false, 0, true, {}, {}};
  auto r = run(v.n1.ctx, req);
  CHECK(r.result == "differ");
  CHECK(r.regions_listed);
  CHECK(r.regions_total == 0);
  CHECK(has(render_verdict("datarep", r), "found no region that stayed different"));

  Verified quiet;
  quiet.mismatch = "8";
  quiet.n1.system->disks.clear();  // reading would throw
  r = run(quiet.n1.ctx, {"datarep", false, 0, false, {}, {}});
  CHECK(r.result == "differ");
  CHECK_FALSE(r.regions_listed);
  CHECK(r.note.empty());
}

TEST_CASE("verify run: --repair drives md's repair and reports what it repaired") {
  Verified v;
  v.mismatch = "256";
  const auto r = run(v.n1.ctx, {"datarep", true, 0, true, {}, {}});
  CHECK(r.action == "repair");
  CHECK(r.result == "repaired");
  CHECK(r.mismatch_sectors == 256);
  CHECK_FALSE(r.regions_listed);  // md fixed them as it went
  CHECK(v.md_writes() == std::vector<std::string>{"md_write md0 sync_action repair"});
}

TEST_CASE("verify run: a timeout stops md's check, a failed leg interrupts it: not verified") {
  Verified v;
  auto r = run(v.n1.ctx, {"datarep", false, 1, true, {}, {}});
  CHECK(r.result == "interrupted");
  CHECK(has(r.note, "timed out after 1 s at 31%"));
  CHECK(exit_code(r) == 3);
  CHECK(v.md_writes() == std::vector<std::string>{"md_write md0 sync_action check", "md_write md0 sync_action idle"});

  Verified f;
  f.n1.system->on_wait = [&f] {
    auto& sys = *f.n1.system;
    sys.sysfs["md0/sync_action"] = "idle";
    sys.sysfs["md0/degraded"] = "1";
    sys.sysfs["md0/dev-nbd0/state"] = "faulty";
  };
  r = run(f.n1.ctx, {"datarep", false, 0, true, {}, {}});
  CHECK(r.result == "interrupted");
  CHECK(has(r.note, "a leg failed during the check"));

  Verified s;  // someone else stopped it: md keeps where in sync_min
  s.n1.system->on_wait = [&s] {
    s.n1.system->sysfs["md0/sync_action"] = "idle";
    s.n1.system->sysfs["md0/sync_min"] = "64";
  };
  r = run(s.n1.ctx, {"datarep", false, 0, true, {}, {}});
  CHECK(has(r.note, "stopped at sector 64"));
}

TEST_CASE("errors-verify run: a refusal writes nothing to md and keeps no record") {
  Verified v;
  netraid::mirror::save_paused(v.n1.ctx, "datarep", {"n2"});
  v.n1.system->sysfs.erase("md0/dev-nbd0/state");
  try {
    run(v.n1.ctx, {"datarep", false, 0, true, {}, {}});
    FAIL("verify of a mirror with a paused target went on");
  } catch (const netraid::mirror::OpError& e) {
    CHECK(e.exit_code == 3);
    CHECK(has(e.what(), "target n2 of datarep is paused"));
  }
  CHECK(v.md_writes().empty());
  CHECK_FALSE(load(v.n1.ctx, "datarep"));
}
