// SPDX-License-Identifier: GPL-2.0-or-later
// Parsers against real captures from a UML lab node (data/README.md).
#include <doctest/doctest.h>

#include <map>
#include <span>

#include "netraid/mdadm/mdadm_export.hpp"
#include "netraid/mdadm/mdstat.hpp"
#include "netraid/mdadm/member_metadata.hpp"
#include "netraid/mdadm/sysfs_values.hpp"
#include "test_data.hpp"

using namespace netraid::mdadm;

namespace {
std::map<std::string, std::string> attributes(const std::string& name) {
  std::map<std::string, std::string> kv;
  const auto text = test_data(name);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    const auto line = text.substr(at, nl - at);
    kv[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return kv;
}

std::span<const std::byte> bytes(const std::string& data) {
  return {reinterpret_cast<const std::byte*>(data.data()), data.size()};
}
}  // namespace

TEST_CASE("lab: mdstat of a freshly created degraded mirror") {
  const auto a = parse_mdstat(test_data("lab-mdstat-created-degraded.txt")).arrays.at(0);
  CHECK(a.members.size() == 1);
  CHECK(a.members[0].name == "ubda");
  CHECK(a.member_status == "U_");
  CHECK(a.bitmap->chunk_bytes == 65536);
}

TEST_CASE("lab: mdstat of a write-mostly member failed at add, recovery, check, read-only PENDING") {
  const auto wm = parse_mdstat(test_data("lab-mdstat-added-write-mostly-faulty.txt")).arrays.at(0);
  CHECK(wm.members.at(0).name == "ubdb");
  CHECK(wm.members.at(0).write_mostly);
  CHECK(wm.members.at(0).faulty);
  CHECK(wm.working_disks == 1u);

  const auto rec = parse_mdstat(test_data("lab-mdstat-recovery.txt")).arrays.at(0);
  REQUIRE(rec.sync);
  CHECK(rec.sync->kind == SyncKind::Recovery);
  CHECK(rec.sync->permille == 101);
  CHECK(rec.sync->done_kb == 13568);
  CHECK(rec.sync->total_kb == 130048);
  CHECK(rec.sync->speed_kb_per_s == 1233u);

  const auto check = parse_mdstat(test_data("lab-mdstat-check.txt")).arrays.at(0);
  REQUIRE(check.sync);
  CHECK(check.sync->kind == SyncKind::Check);
  CHECK(check.member_status == "UU");

  const auto ro = parse_mdstat(test_data("lab-mdstat-readonly-pending.txt")).arrays.at(0);
  CHECK(ro.read_only == "read-only");
  REQUIRE(ro.sync);
  CHECK(ro.sync->state == SyncState::Pending);
  CHECK(ro.bitmap->pages_present == 1);
}

TEST_CASE("lab: sysfs during a recovery and a check") {
  auto rec = attributes("lab-sysfs-recovery.txt");
  CHECK(parse_array_state(rec["array_state"]) == ArrayState::Clean);
  CHECK(parse_number_attribute(rec["degraded"], "degraded") == 1);
  CHECK(parse_sync_action(rec["sync_action"]) == SyncAction::Recover);
  const auto done = parse_sync_completed(rec["sync_completed"]);
  CHECK(done.done_sectors == 27136);
  CHECK(done.total_sectors == 260096);
  CHECK_FALSE(parse_speed_limit(rec["sync_speed_max"]).system_default);
  // A member being rebuilt is "spare" in state but already has its slot.
  CHECK(parse_member_state(rec["dev-ubdb/state"]).spare);
  CHECK(parse_slot(rec["dev-ubdb/slot"]) == 1u);
  CHECK(parse_member_state(rec["dev-ubda/state"]).in_sync);
  CHECK(parse_number_attribute(rec["bitmap/chunksize"], "bitmap/chunksize") == 65536);
  CHECK(parse_bitmap_location(rec["bitmap/location"]).offset_sectors == 8);
  auto chk = attributes("lab-sysfs-check.txt");
  CHECK(parse_sync_action(chk["sync_action"]) == SyncAction::Check);
  CHECK(parse_sync_completed(chk["sync_completed"]).total_sectors == 260096);
}

TEST_CASE("lab: mdadm --detail/--examine --export and Data Offset") {
  const auto d = parse_detail_export(test_data("lab-detail-export-recovering.txt"));
  CHECK(d.uuid == "d62d1ff3:48aa0635:9806a1cd:5d941cd1");
  CHECK(d.name == "n1:datarep");
  REQUIRE(d.members.size() == 2);
  for (const auto& m : d.members) CHECK(m.slot == (m.dev == "/dev/ubda" ? 0u : 1u));
  CHECK(parse_detail_export(test_data("lab-detail-export-degraded.txt")).members.size() == 1);
  const auto e = parse_examine_export(test_data("lab-examine-export-ubdb-recovering.txt"));
  CHECK(e.events == 73);
  CHECK(e.dev_uuid == "c97d1912:600fcefd:a7ef8799:2d265456");
  CHECK(parse_examine_export(test_data("lab-examine-export-ubda.txt")).events == 0);
  CHECK(parse_examine_data_offset_sectors(test_data("lab-examine-ubda.txt")) == 2048);
}

TEST_CASE("lab: real superblock and bitmap of a degraded member: dirty chunks 3-5, 100, 2000") {
  const auto image = test_data("lab-ubda-head-dirty-3-5-100-2000.img");
  const auto sb = parse_superblock1(bytes(image).subspan(kSuperblock12Offset));  // checksum verified
  CHECK(format_uuid(sb.set_uuid) == "d62d1ff3:48aa0635:9806a1cd:5d941cd1");
  CHECK(sb.set_name == "n1:datarep");
  CHECK(sb.data_offset_sectors == 2048);
  CHECK(sb.bitmap_offset_sectors == 8);
  CHECK(sb.role() == 0u);
  CHECK_FALSE(sb.recovery_incomplete());
  const auto at = bitmap_byte_offset(sb);
  CHECK(at == 8192);
  const auto bm = parse_bitmap_super(bytes(image).subspan(at));
  CHECK(bm.chunk_count() == 2032);  // mdadm -X: "2032 bits (chunks)"
  CHECK(bm.events == 61);           // mdadm -X: "Events : 61"
  const auto dirty = dirty_chunks(bm, bytes(image).subspan(at + kBitmapSuperBytes));
  CHECK(dirty == std::vector<std::uint64_t>{3, 4, 5, 100, 2000});  // mdadm -X: "5 dirty"
  CHECK(format_bitmap_set_bits(to_ranges(dirty)) == std::vector<std::string>{"3-5 100 2000"});
}

TEST_CASE("lab: real superblock of a member whose rebuild is in progress") {
  const auto image = test_data("lab-ubdb-head-recovering.img");
  const auto sb = parse_superblock1(bytes(image).subspan(kSuperblock12Offset));
  CHECK(sb.feature_map == 0x3);
  CHECK(sb.recovery_incomplete());
  CHECK(sb.recovery_offset_sectors == 13824);  // mdadm -E: "Recovery Offset : 13824 sectors"
  CHECK(sb.events == 73);
  CHECK(sb.role() == 1u);
  CHECK(format_uuid(sb.device_uuid) == "c97d1912:600fcefd:a7ef8799:2d265456");
}
