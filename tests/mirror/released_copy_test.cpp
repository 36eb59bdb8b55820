// SPDX-License-Identifier: GPL-2.0-or-later
// A paused target's copy released to its own system (issue 15): the pure
// judgement of what happened to it, the target's release and reclaim against
// the fake, and the source's pause / resume order with the target played by
// the product's own code on a second fake node.
#include <doctest/doctest.h>

#include "fake_system.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/observe.hpp"
#include "netraid/mirror/released_copy.hpp"
#include "netraid/mirror/resync_ops.hpp"

using namespace netraid;
using mirror::released::BlockWrites;
using mirror::released::Exposure;
using flags::SyncState;

namespace {

const std::string kTag = "datarep";
// /sys/class/block/ubda/stat of kernel 6.1: 17 fields.
std::string stat_text(std::uint64_t write_ios, std::uint64_t write_sectors) {
  return "     120 0 5000 30 " + std::to_string(write_ios) + " 0 " + std::to_string(write_sectors) +
         " 40 0 70 70 0 0 0 0 0 0\n";
}

mirror::released::Record record(BlockWrites at) {
  return {"/dev/ubda", "/dev/loop0", "boot-1", at, std::nullopt, ""};
}

}  // namespace

TEST_CASE("released copy: the write counters of /sys/class/block/DEV/stat") {
  const auto w = mirror::released::parse_block_stat(stat_text(7, 56));
  CHECK(w.write_ios == 7);
  CHECK(w.write_sectors == 56);
  CHECK(w.discard_ios == 0);
  const auto d = mirror::released::parse_block_stat("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n");
  CHECK(d.discard_ios == 12);
  CHECK(d.discard_sectors == 14);
  CHECK(mirror::released::parse_block_stat("1 2 3 4 5 6 7 8 9 10 11\n").discard_ios == 0);
  CHECK_THROWS_AS(mirror::released::parse_block_stat("1 2 3\n"), std::invalid_argument);
}

TEST_CASE("released copy: untouched only when the same boot shows the same counters") {
  const BlockWrites at{7, 56, 0, 0};
  CHECK(mirror::released::judge(record(at), "boot-1", at).exposure == Exposure::Untouched);
  const auto written = mirror::released::judge(record(at), "boot-1", BlockWrites{9, 72, 0, 0});
  CHECK(written.exposure == Exposure::Written);
  CHECK(written.reason.find("8192 bytes were written") != std::string::npos);
  CHECK(mirror::released::judge(record(at), "boot-1", BlockWrites{7, 56, 1, 8}).exposure == Exposure::Written);
  CHECK(mirror::released::judge(record(at), "boot-2", at).exposure == Exposure::Unknown);
  CHECK(mirror::released::judge(record(at), "boot-1", std::nullopt).exposure == Exposure::Unknown);
  auto frozen = record(at);
  frozen.verdict = Exposure::Written;
  CHECK(mirror::released::judge(frozen, "boot-1", at).exposure == Exposure::Written);
}

TEST_CASE("released copy: the record round-trips through JSON, a damaged one is an error") {
  auto r = record({7, 56, 1, 8});
  r.verdict = Exposure::Untouched;
  r.reason = "nothing wrote";
  const auto back = mirror::released::record_from_json(mirror::released::to_json(r));
  CHECK(back.device == r.device);
  CHECK(back.copy_device == r.copy_device);
  CHECK(back.boot_id == r.boot_id);
  CHECK(back.at_release == r.at_release);
  CHECK(back.verdict == r.verdict);
  CHECK_THROWS_AS(mirror::released::record_from_json("{\"device\":1}"), std::invalid_argument);
}

namespace {

// n2, a target of n1 serving its leg /dev/ubda (data 1 MiB into the disk).
struct TargetN2 {
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = fake::two_node_mirror();
  TargetN2() {
    n2.ctx.store.save(m);
    auto& sys = *n2.system;
    sys.served.insert(kTag);
    auto md = fake::md_superblock(500);
    md.superblock.data_offset_sectors = 2048;
    md.superblock.size_sectors = 1000;
    sys.members["/dev/ubda"] = md;
    sys.block_stats["/dev/ubda"] = stat_text(7, 56);
    sys.proc["/proc/sys/kernel/random/boot_id"] = "boot-1\n";
    sys.on_run = [](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
      if (argv.at(0) == "losetup" && argv.at(1) == "--find") return mirror::ProgramResult{0, "/dev/loop0\n", ""};
      return std::nullopt;
    };
  }
};

}  // namespace

TEST_CASE("release on a target: the server stops, then the data area is offered as a loop device, recorded") {
  TargetN2 t;
  auto& sys = *t.n2.system;
  CHECK(mirror::released::release_copy(t.n2.ctx, kTag) == "/dev/loop0");
  const int stop = sys.index_of("stop serving datarep");
  const int loop = sys.index_of("run losetup --find --show --offset 1048576 --sizelimit 512000 /dev/ubda");
  REQUIRE(stop >= 0);
  REQUIRE(loop >= 0);
  CHECK(stop < loop);
  const auto r = mirror::released::load(t.n2.ctx, kTag);
  REQUIRE(r);
  CHECK(r->copy_device == "/dev/loop0");
  CHECK(r->at_release == BlockWrites{7, 56, 0, 0});
  // status there: Paused
  const auto seen = mirror::status::observe_node(t.n2.ctx, t.m);
  CHECK(seen.paused_here);
  const auto st = mirror::status::compute_mirror_status(t.m, {}, seen);
  CHECK(st.role == mirror::status::NodeRole::Target);
  CHECK(st.systems.at(1).status == mirror::status::SystemStatus::Paused);
  // idempotent: a second release offers the same loop device
  sys.events.clear();
  CHECK(mirror::released::release_copy(t.n2.ctx, kTag) == "/dev/loop0");
  CHECK(!sys.saw("run losetup"));
}

TEST_CASE("reclaim on a target: refused while the copy is mounted, then the loop goes and the verdict is frozen") {
  TargetN2 t;
  auto& sys = *t.n2.system;
  mirror::released::release_copy(t.n2.ctx, kTag);
  sys.devices["/dev/loop0"].mounted_on = "/mnt";
  sys.events.clear();
  try {
    mirror::released::reclaim_copy(t.n2.ctx, kTag, false);
    FAIL("reclaim of a mounted copy succeeded");
  } catch (const mirror::OpError& e) {
    CHECK(e.exit_code == mirror::released::kCopyInUse);
    CHECK(std::string(e.what()).find("/dev/loop0 is mounted on /mnt") != std::string::npos);
  }
  CHECK(sys.events.empty());
  sys.devices["/dev/loop0"].mounted_on = "";
  // the mount replayed a journal: 3 writes of 4 KiB
  sys.block_stats["/dev/ubda"] = stat_text(10, 80);
  const auto j = mirror::released::reclaim_copy(t.n2.ctx, kTag, false);
  REQUIRE(j);
  CHECK(j->exposure == Exposure::Written);
  CHECK(sys.index_of("run losetup -d /dev/loop0") < sys.index_of("run blockdev --flushbufs /dev/ubda"));
  // what the source is told, even after the server wrote again
  sys.block_stats["/dev/ubda"] = stat_text(99, 999);
  CHECK(mirror::released::current_judgement(t.n2.ctx, kTag)->exposure == Exposure::Written);
  // a pause before the resync still remembers it was written
  mirror::released::release_copy(t.n2.ctx, kTag);
  CHECK(mirror::released::current_judgement(t.n2.ctx, kTag)->exposure == Exposure::Written);
  // once the source says it resyncs this copy, the record goes
  mirror::failover::set_target_flags(t.n2.ctx, kTag, "n1", SyncState::Resyncing, "");
  CHECK(!mirror::released::load(t.n2.ctx, kTag));
}

namespace {

// n1, the source, with n2 played by the product's code on its own fake node.
struct PausedPair {
  fake::FakeNode n1{"n1"};
  TargetN2 target;
  mirror::config::MirrorConfig m = fake::two_node_mirror();
  PausedPair() {
    fake::make_source(n1, m, {0xaa, {}});
    auto& sys = *n1.system;
    sys.members["/dev/ubda"] = fake::md_superblock(500);
    sys.devices["/dev/ubda"].size_bytes = 256 << 20;
    sys.sysfs["md0/dev-nbd0/state"] = "in_sync";
    sys.connected.insert("/dev/nbd0");
    sys.reachable_exports.insert(m.systems[1].address);
    sys.members["/dev/nbd0"] = fake::md_superblock(500);
    mirror::save_legs(n1.ctx, kTag, {{"n2", "/dev/nbd0"}});
    auto f = target.n2.flags();
    f.create_directory();
    f.set_source(kTag, "n1");
    f.set_sync_state(kTag, SyncState::InSync);
    f.set_generation(kTag, {0xaa, {}});
    sys.peers["n2"] = [this](const std::vector<std::string>& args) -> mirror::ProgramResult {
      auto& ctx = target.n2.ctx;
      try {
        if (args.at(0) == "release") return {0, mirror::released::release_copy(ctx, kTag) + "\n", ""};
        if (args.at(0) == "reclaim") {
          const auto j = mirror::released::reclaim_copy(ctx, kTag, args.size() > 2);
          return {0, j ? std::string("its released copy: ") + mirror::released::to_string(j->exposure) + "\n" : "", ""};
        }
        if (args.at(0) == "flags-report") return {0, mirror::failover::local_report(ctx, kTag), ""};
        if (args.at(0) == "flags-set") {
          mirror::failover::set_target_flags(ctx, kTag, "n1", flags::parse_sync_state(args.at(5) + "\n"), "");
          return {};
        }
        if (args.at(0) == "serve") target.n2.system->served.insert(kTag);
        return {};
      } catch (const mirror::OpError& e) {
        return {e.exit_code, "", std::string("netraid: ") + args.at(0) + ": " + e.what() + "\n"};
      }
    };
  }
};

}  // namespace

TEST_CASE("pause: the leg leaves md and is detached here before the target releases its copy") {
  PausedPair t;
  mirror::pause(t.n1.ctx, kTag, {});
  const auto& sys = *t.n1.system;
  const int remove = sys.index_of("run mdadm --manage /dev/md0 --remove /dev/nbd0");
  const int detach = sys.index_of("detach /dev/nbd0");
  const int release = sys.index_of("on n2: release datarep");
  REQUIRE(remove >= 0);
  REQUIRE(release >= 0);
  CHECK(remove < detach);
  CHECK(detach < release);
  CHECK(t.n1.said_line("readable there as /dev/loop0: mount -o ro,noload /dev/loop0"));
  CHECK(!t.target.n2.system->served.count(kTag));
}

TEST_CASE("resume: refused while the target's copy is mounted there, nothing changed, then a full resync if it was written") {
  PausedPair t;
  mirror::pause(t.n1.ctx, kTag, {});
  auto& tsys = *t.target.n2.system;
  tsys.devices["/dev/loop0"].mounted_on = "/mnt";
  t.n1.system->events.clear();
  CHECK_THROWS_WITH_AS(mirror::resume(t.n1.ctx, kTag, {}),
                       doctest::Contains("the paused copy of datarep on n2 is in use: /dev/loop0 is mounted on /mnt"),
                       mirror::OpError);
  CHECK(mirror::load_paused(t.n1.ctx, kTag) == std::vector<std::string>{"n2"});
  // One paused target: its reclaim refuses by itself (no separate --check round trip).
  CHECK(t.n1.system->events == std::vector<std::string>{"on n2: reclaim datarep"});
  tsys.devices["/dev/loop0"].mounted_on = "";
  tsys.block_stats["/dev/ubda"] = stat_text(10, 80);  // the ro mount replayed the journal
  mirror::resume(t.n1.ctx, kTag, {});
  const auto& sys = *t.n1.system;
  const int reclaim = sys.index_of("on n2: reclaim datarep");
  const int serve = sys.index_of("on n2: serve datarep");
  REQUIRE(reclaim >= 0);
  REQUIRE(serve >= 0);
  CHECK(reclaim < serve);
  CHECK(sys.saw("run mdadm --manage /dev/md0 --add /dev/nbd0"));
  CHECK(!sys.saw("run mdadm --manage /dev/md0 --re-add"));
  CHECK(t.n1.said_line("its copy was released while paused: written"));
  CHECK(mirror::load_paused(t.n1.ctx, kTag).empty());
  CHECK(!mirror::released::load(t.target.n2.ctx, kTag));
}

TEST_CASE("resume: a released copy nothing wrote to is resynced through the bitmap") {
  PausedPair t;
  mirror::pause(t.n1.ctx, kTag, {});
  mirror::resume(t.n1.ctx, kTag, {});
  const auto& sys = *t.n1.system;
  CHECK(sys.saw("run mdadm --manage /dev/md0 --re-add /dev/nbd0"));
  CHECK(!sys.saw("run mdadm --manage /dev/md0 --add"));
  CHECK(t.n1.said_line("its copy was released while paused: untouched"));
}
