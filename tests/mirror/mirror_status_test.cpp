// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <stdexcept>

#include "fixtures.hpp"
#include "netraid/mirror/mirror_status.hpp"

using namespace netraid::mirror::status;
using fixtures::mirror_with_targets;
using fixtures::on_source;
using fixtures::status_of;

namespace {
const SystemView& system_named(const MirrorStatus& s, const std::string& host) {
  for (const auto& v : s.systems)
    if (v.host == host) return v;
  FAIL("no system " << host << " in the status");
  throw std::logic_error("unreachable");
}
}  // namespace

TEST_CASE("recovering target: Resyncing with percent, speed and ETA, mirror resyncing, exit 1") {
  auto seen = on_source(1);
  seen.attached_nbd["n2"] = "/dev/nbd0";  // the caller may pass the path
  const auto s = status_of(mirror_with_targets(1), fixtures::kRecovery, seen);
  CHECK(s.role == NodeRole::Source);
  CHECK(s.array_name == "md0");
  CHECK(s.state == MirrorState::Resyncing);
  CHECK(s.size_bytes == 262080ull * 1024);
  CHECK(s.bitmap_chunk_bytes == 1024ull * 1024);
  CHECK(s.health == Health::Degraded);
  CHECK(exit_code(s.health) == 1);
  REQUIRE(s.systems.size() == 2);
  CHECK(s.systems[0].status == SystemStatus::SourceIsp);
  const auto& n2 = s.systems[1];
  CHECK(n2.status == SystemStatus::Resyncing);
  CHECK(n2.nbd_device == "nbd0");
  REQUIRE(n2.progress);
  CHECK_FALSE(n2.progress->waiting);
  CHECK(*n2.progress->percent == doctest::Approx(12.6));
  CHECK(n2.progress->speed_kib_s == 33024u);
  CHECK(n2.progress->done_kib == 33024u);
  CHECK(n2.progress->total_kib == 262080u);
  // (262080 - 33024) KiB at 33024 KiB/s = 6.94 s, finer than finish=0.1min.
  CHECK(n2.progress->eta_seconds == 7u);
}

TEST_CASE("recovering target with sysfs states: 'spare' while recovered reads as Resyncing") {
  auto seen = on_source(1);
  seen.member_states = {{"ubda", "in_sync"}, {"nbd0", "spare,write_mostly"}};
  const auto s = status_of(mirror_with_targets(1), fixtures::kRecovery, seen);
  CHECK(s.systems[1].status == SystemStatus::Resyncing);
  CHECK(s.state == MirrorState::Resyncing);
}

TEST_CASE("faulty leg of a three-system mirror: Out of Sync (faulty), the other target stays Target") {
  const auto s = status_of(mirror_with_targets(2), fixtures::kThreeLegsOneFaulty, on_source(2));
  CHECK(s.role == NodeRole::Source);
  CHECK(system_named(s, "n1").status == SystemStatus::SourceIsp);
  CHECK(system_named(s, "n2").status == SystemStatus::Target);
  CHECK(system_named(s, "n2").problem == LegProblem::None);
  CHECK(system_named(s, "n3").status == SystemStatus::OutOfSync);
  CHECK(system_named(s, "n3").problem == LegProblem::Faulty);
  CHECK(s.state == MirrorState::Degraded);
  CHECK(s.health == Health::Degraded);
}

TEST_CASE("sysfs 'faulty' wins over a member mdstat shows as healthy") {
  auto seen = on_source(2);
  seen.member_states = {{"ubda", "in_sync"}, {"nbd0", "faulty,write_mostly"}, {"nbd1", "in_sync,write_mostly"}};
  const auto s = status_of(mirror_with_targets(2), fixtures::kInitialResyncThreeLegs, seen);
  CHECK(system_named(s, "n2").status == SystemStatus::OutOfSync);
  CHECK(system_named(s, "n2").problem == LegProblem::Faulty);
  CHECK(system_named(s, "n3").status == SystemStatus::Resyncing);
}

TEST_CASE("initial resync: every target Resyncing although md marks all legs U") {
  const auto s = status_of(mirror_with_targets(2), fixtures::kInitialResyncThreeLegs, on_source(2));
  CHECK(s.state == MirrorState::Resyncing);
  CHECK(s.health == Health::Degraded);
  for (const char* host : {"n2", "n3"}) {
    const auto& v = system_named(s, host);
    CHECK(v.status == SystemStatus::Resyncing);
    REQUIRE(v.progress);
    CHECK(*v.progress->percent == doctest::Approx(0.4));
    CHECK(v.progress->speed_kib_s == 576u);
  }
  CHECK(s.bitmap_chunk_bytes == 512u);
}

TEST_CASE("resync=PENDING: target Resyncing, waiting, without numbers") {
  const auto s = status_of(mirror_with_targets(1), fixtures::kResyncPending, on_source(1));
  CHECK(s.state == MirrorState::Resyncing);
  const auto& n2 = system_named(s, "n2");
  CHECK(n2.status == SystemStatus::Resyncing);
  REQUIRE(n2.progress);
  CHECK(n2.progress->waiting);
  CHECK_FALSE(n2.progress->percent.has_value());
  CHECK_FALSE(n2.progress->eta_seconds.has_value());
}

TEST_CASE("1 source + 7 targets in sync: all Target, clean, exit 0") {
  const auto s = status_of(mirror_with_targets(7), fixtures::kEightLegsClean, on_source(7));
  REQUIRE(s.systems.size() == 8);
  CHECK(s.systems[0].status == SystemStatus::SourceIsp);
  for (std::size_t i = 1; i < 8; ++i) {
    CAPTURE(s.systems[i].host);
    CHECK(s.systems[i].status == SystemStatus::Target);
    CHECK(s.systems[i].nbd_device == "nbd" + std::to_string(i - 1));
  }
  CHECK(s.state == MirrorState::Clean);
  CHECK(s.health == Health::Healthy);
  CHECK(exit_code(s.health) == 0);
}

TEST_CASE("1 source + 7 targets, every status at once (with sysfs states)") {
  auto seen = on_source(7);
  seen.attached_nbd.erase("n4");
  seen.paused_targets = {"n3"};
  seen.member_states = {{"ubda", "in_sync"},
                        {"nbd0", "in_sync,write_mostly"},
                        {"nbd3", "faulty,write_mostly"},
                        {"nbd4", "spare,write_mostly"},
                        {"nbd5", "in_sync,write_mostly"}};
  const auto s = status_of(mirror_with_targets(7), fixtures::kEightLegsMixed, seen);
  CHECK(system_named(s, "n1").status == SystemStatus::SourceIsp);
  CHECK(system_named(s, "n2").status == SystemStatus::Target);
  CHECK(system_named(s, "n3").status == SystemStatus::Paused);
  CHECK(system_named(s, "n3").nbd_device == "nbd1");
  CHECK(system_named(s, "n4").status == SystemStatus::OutOfSync);
  CHECK(system_named(s, "n4").problem == LegProblem::NotAttached);
  CHECK(system_named(s, "n4").nbd_device.empty());
  CHECK(system_named(s, "n5").status == SystemStatus::OutOfSync);
  CHECK(system_named(s, "n5").problem == LegProblem::Faulty);
  CHECK(system_named(s, "n6").status == SystemStatus::Resyncing);
  REQUIRE(system_named(s, "n6").progress);
  CHECK(*system_named(s, "n6").progress->percent == doctest::Approx(23.5));
  CHECK(system_named(s, "n6").progress->eta_seconds == 49u);  // 1603538 KiB / 32768 KiB/s
  CHECK(system_named(s, "n7").status == SystemStatus::Target);
  CHECK(system_named(s, "n8").status == SystemStatus::OutOfSync);
  CHECK(system_named(s, "n8").problem == LegProblem::NotInArray);
  CHECK(s.state == MirrorState::Resyncing);
  CHECK(s.health == Health::Degraded);
}

TEST_CASE("1 source + 7 targets, mdstat only: which of three legs is behind is not guessed") {
  auto seen = on_source(7);
  seen.attached_nbd.erase("n4");
  seen.paused_targets = {"n3"};
  const auto s = status_of(mirror_with_targets(7), fixtures::kEightLegsMixed, seen);
  // [8/3] with ubda, nbd0, nbd4, nbd5 healthy: one of the three NBD legs is behind.
  for (const char* host : {"n2", "n6", "n7"}) {
    CAPTURE(host);
    CHECK(system_named(s, host).status == SystemStatus::Unknown);
    CHECK(system_named(s, host).problem == LegProblem::Indeterminate);
  }
  CHECK(system_named(s, "n5").problem == LegProblem::Faulty);
  CHECK(s.state == MirrorState::Degraded);
  CHECK(s.health == Health::Degraded);
}

TEST_CASE("a check run does not make in-sync targets Resyncing") {
  const auto s = status_of(mirror_with_targets(1),
                           "Personalities : [raid1] \n"
                           "md0 : active raid1 nbd0[1](W) ubda[0]\n"
                           "      523264 blocks super 1.2 [2/2] [UU]\n"
                           "      [=======>.............]  check = 37.5% (196224/523264) finish=0.2min speed=24528K/sec\n"
                           "\n"
                           "unused devices: <none>\n",
                           on_source(1));
  CHECK(system_named(s, "n2").status == SystemStatus::Target);
  CHECK(s.state == MirrorState::Clean);
  CHECK(s.health == Health::Healthy);
  CHECK_FALSE(s.bitmap_chunk_bytes.has_value());
}

TEST_CASE("the source's own leg failed: targets in sync, mirror degraded") {
  const auto s = status_of(mirror_with_targets(1),
                           "Personalities : [raid1] \n"
                           "md0 : active raid1 nbd0[1](W) ubda[0](F)\n"
                           "      130048 blocks super 1.2 [2/1] [_U]\n"
                           "\n"
                           "unused devices: <none>\n",
                           on_source(1));
  CHECK(system_named(s, "n1").status == SystemStatus::SourceIsp);
  CHECK(system_named(s, "n2").status == SystemStatus::Target);
  CHECK(s.state == MirrorState::Degraded);
  CHECK(s.health == Health::Degraded);
}

TEST_CASE("stopped array where this node should be source: unusable, exit 2") {
  const auto s = status_of(mirror_with_targets(1), fixtures::kNoArrays, on_source(1));
  CHECK(s.role == NodeRole::NotActive);
  CHECK(s.state == MirrorState::Inactive);
  CHECK(s.array_name.empty());
  CHECK_FALSE(s.size_bytes.has_value());
  CHECK(s.health == Health::Unusable);
  CHECK(exit_code(s.health) == 2);
  for (const auto& v : s.systems) CHECK(v.status == SystemStatus::Unknown);
}

TEST_CASE("assembled but inactive array is not a source") {
  const auto s = status_of(mirror_with_targets(1), fixtures::kInactive, on_source(1));
  CHECK(s.role == NodeRole::NotActive);
  CHECK(s.array_name == "md0");
  CHECK(s.health == Health::Unusable);
}

TEST_CASE("on a target: role Target, every system Unknown, exit 4") {
  netraid::mirror::status::NodeObservations seen;
  seen.this_node = "n2";
  seen.serving_as_target = true;
  const auto s = status_of(mirror_with_targets(2), fixtures::kNoArrays, seen);
  CHECK(s.role == NodeRole::Target);
  CHECK(s.health == Health::NoInformation);
  CHECK(exit_code(s.health) == 4);
  REQUIRE(s.systems.size() == 3);
  for (const auto& v : s.systems) {
    CHECK(v.status == SystemStatus::Unknown);
    CHECK(v.problem == LegProblem::NotSource);
  }
}

TEST_CASE("a former target waiting for its previous source: DataKeeper's two Out of Sync words") {
  netraid::mirror::status::NodeObservations seen;
  seen.this_node = "n2";
  seen.waiting_for_previous_source = "n1";
  const auto s = status_of(mirror_with_targets(2), fixtures::kNoArrays, seen);
  REQUIRE(s.systems.size() == 3);
  CHECK(s.systems[0].status == SystemStatus::PreviousSource);         // n1
  CHECK(s.systems[1].status == SystemStatus::WaitForPreviousSource);  // n2, this node
  CHECK(s.systems[2].status == SystemStatus::Unknown);                // n3
  CHECK(to_string(SystemStatus::WaitForPreviousSource) == "Out of Sync (Wait for Previous Source)");
  CHECK(to_string(SystemStatus::PreviousSource) == "Out of Sync (Previous Source)");
  CHECK(render_human(s).find("Out of Sync (Wait for Previous Source)") != std::string::npos);
}

TEST_CASE("several mirrors combine their codes by OR, like mdadm --detail --test") {
  MirrorStatus healthy, degraded, target;
  healthy.health = Health::Healthy;
  degraded.health = Health::Degraded;
  target.health = Health::NoInformation;
  CHECK(combined_health({}) == 0);
  CHECK(combined_health({healthy, healthy}) == 0);
  CHECK(combined_health({healthy, degraded}) == 1);
  CHECK(combined_health({degraded, target}) == 5);
}

TEST_CASE("the statuses read exactly as DataKeeper's") {
  CHECK(to_string(SystemStatus::SourceIsp) == "Source (ISP)");
  CHECK(to_string(SystemStatus::Target) == "Target");
  CHECK(to_string(SystemStatus::Resyncing) == "Resyncing");
  CHECK(to_string(SystemStatus::OutOfSync) == "Out of Sync");
  CHECK(to_string(SystemStatus::Paused) == "Paused");
  CHECK(to_string(SystemStatus::Unknown) == "Unknown");
}
