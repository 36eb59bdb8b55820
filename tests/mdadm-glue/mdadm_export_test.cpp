// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mdadm/mdadm_export.hpp"
#include "netraid/mdadm/parse_error.hpp"
#include "test_data.hpp"

using namespace netraid::mdadm;

TEST_CASE("export: mdadm --detail --export of a two-leg mirror") {
  const auto d = parse_detail_export(test_data("detail-export.txt"));
  CHECK(d.level == "raid1");
  CHECK(d.devices == 2);
  CHECK(d.metadata == "1.2");
  CHECK(d.uuid == "3f1c9a2e:5b7d4e10:8a2c6f93:0d4e7b21");
  CHECK(d.name == "n1:0");
  CHECK(d.devname == "0");
  REQUIRE(d.members.size() == 2);
  // Keyed by mdadm's mangled name; matched up by the _DEV line.
  const auto& nbd = d.members[0].dev == "/dev/nbd0" ? d.members[0] : d.members[1];
  const auto& ubda = d.members[0].dev == "/dev/ubda" ? d.members[0] : d.members[1];
  CHECK(nbd.dev == "/dev/nbd0");
  CHECK(nbd.slot == 1u);
  CHECK(ubda.dev == "/dev/ubda");
  CHECK(ubda.slot == 0u);
}

TEST_CASE("export: --detail --export with a spare and 'dev_' key spelling") {
  const auto d = parse_detail_export(test_data("detail-export-degraded-spare.txt"));
  CHECK(d.devices == 3);
  CHECK(d.devname.empty());
  REQUIRE(d.members.size() == 2);
  const auto& spare = d.members[0].dev == "/dev/nbd1" ? d.members[0] : d.members[1];
  CHECK(spare.role == "spare");
  CHECK_FALSE(spare.slot.has_value());
}

TEST_CASE("export: mdadm --examine --export") {
  const auto e = parse_examine_export(test_data("examine-export.txt"));
  CHECK(e.level == "raid1");
  CHECK(e.devices == 2);
  CHECK(e.name == "n1:0");
  CHECK(e.array_size == "133.17MB");
  CHECK(e.uuid == "3f1c9a2e:5b7d4e10:8a2c6f93:0d4e7b21");
  CHECK(e.dev_uuid == "9a8b7c6d:5e4f3a2b:1c0d9e8f:7a6b5c4d");
  CHECK(e.events == 21);
  CHECK(e.update_time == 1732528311);
  // Events beyond 32 bits survive.
  const auto big = parse_examine_export(
      "MD_LEVEL=raid1\nMD_DEVICES=2\nMD_UUID=a\nMD_DEV_UUID=b\nMD_EVENTS=8589934593\n");
  CHECK(big.events == 8589934593ull);
}

TEST_CASE("export: Data Offset from human mdadm --examine") {
  CHECK(parse_examine_data_offset_sectors(test_data("examine.txt")) == 4096);
  CHECK_THROWS_WITH(parse_examine_data_offset_sectors("/dev/sda:\n   Magic : a92b4efc\n"),
                    doctest::Contains("no 'Data Offset'"));
  CHECK_THROWS_AS(parse_examine_data_offset_sectors("    Data Offset : lots\n"), ParseError);
}

TEST_CASE("export: errors-missing keys and non KEY=value lines") {
  CHECK_THROWS_WITH(parse_detail_export("MD_DEVICES=2\n"), doctest::Contains("MD_LEVEL"));
  CHECK_THROWS_WITH(parse_examine_export("MD_LEVEL=raid1\nMD_DEVICES=2\nMD_UUID=a\nMD_DEV_UUID=b\n"),
                    doctest::Contains("MD_EVENTS"));
  CHECK_THROWS_WITH(parse_export_lines("mdadm: cannot open /dev/md0: No such file\n"),
                    doctest::Contains("not KEY=value"));
  CHECK_THROWS_AS(parse_detail_export("MD_LEVEL=raid1\nMD_DEVICES=two\n"), ParseError);
}
