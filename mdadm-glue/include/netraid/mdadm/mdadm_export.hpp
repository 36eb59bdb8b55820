// SPDX-License-Identifier: GPL-2.0-or-later
// Output of `mdadm --detail --export`, `mdadm --examine --export` and the
// "Data Offset" line of human `mdadm --examine`, as plain data. Keys follow
// mdadm 4.2: Detail.c (the c->export branch) and super1.c
// (export_examine_super1, examine_super1).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::mdadm {

// KEY=value lines; blank lines ignored; any other line is a ParseError.
std::map<std::string, std::string> parse_export_lines(std::string_view text);

struct DetailMember {
  std::string key;       // the middle of MD_DEVICE_<key>_ROLE (mdadm mangles it)
  std::string dev;       // MD_DEVICE_<key>_DEV: "/dev/nbd0" (may be absent)
  std::string role;      // "0", "1", "spare", "faulty", "journal"
  std::optional<unsigned> slot;  // role as a number when it is one
};

struct Detail {
  std::string level;     // MD_LEVEL: "raid1"
  unsigned devices = 0;  // MD_DEVICES: raid-devices
  std::string metadata;  // MD_METADATA: "1.2"
  std::string uuid;      // MD_UUID: "xxxxxxxx:xxxxxxxx:xxxxxxxx:xxxxxxxx"
  std::string name;      // MD_NAME (may be empty)
  std::string devname;   // MD_DEVNAME (may be empty)
  std::vector<DetailMember> members;  // in mdadm's order
};
Detail parse_detail_export(std::string_view text);

struct Examine {
  std::string level;       // MD_LEVEL
  unsigned devices = 0;    // MD_DEVICES
  std::string name;        // MD_NAME (may be empty)
  std::string array_size;  // MD_ARRAY_SIZE as printed ("127.94MB"), may be empty
  std::string uuid;        // MD_UUID: the array
  std::string dev_uuid;    // MD_DEV_UUID: this member
  std::uint64_t update_time = 0;  // MD_UPDATE_TIME (seconds)
  std::uint64_t events = 0;       // MD_EVENTS
};
Examine parse_examine_export(std::string_view text);

// "    Data Offset : 4096 sectors" from human `mdadm --examine` (super 1.x).
std::uint64_t parse_examine_data_offset_sectors(std::string_view text);

}  // namespace netraid::mdadm
