// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/mdadm_export.hpp"

#include "netraid/mdadm/parse_error.hpp"
#include "text_fields.hpp"

namespace netraid::mdadm {

using detail::split_lines;
using detail::split_words;
using detail::starts_with;
using detail::to_u64;
using detail::trim;

namespace {

std::string required(const std::map<std::string, std::string>& kv, const std::string& key,
                     std::string_view command) {
  const auto it = kv.find(key);
  if (it == kv.end())
    throw ParseError(std::string(command) + ": no " + key + "= line (is this mdadm 4.x output?)");
  return it->second;
}

std::string optional_value(const std::map<std::string, std::string>& kv, const std::string& key) {
  const auto it = kv.find(key);
  return it == kv.end() ? std::string{} : it->second;
}

unsigned required_number(const std::map<std::string, std::string>& kv, const std::string& key,
                         std::string_view command) {
  const auto text = required(kv, key, command);
  const auto n = to_u64(text);
  if (!n) throw ParseError(std::string(command) + ": " + key + "=" + text + " is not a number");
  return static_cast<unsigned>(*n);
}

}  // namespace

std::map<std::string, std::string> parse_export_lines(std::string_view text) {
  std::map<std::string, std::string> kv;
  for (const auto raw : split_lines(text)) {
    const auto line = trim(raw);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw ParseError("mdadm --export: line '" + std::string(line) + "' is not KEY=value");
    kv[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return kv;
}

Detail parse_detail_export(std::string_view text) {
  constexpr std::string_view cmd = "mdadm --detail --export";
  const auto kv = parse_export_lines(text);
  Detail d;
  d.level = required(kv, "MD_LEVEL", cmd);
  d.devices = required_number(kv, "MD_DEVICES", cmd);
  d.metadata = optional_value(kv, "MD_METADATA");
  d.uuid = optional_value(kv, "MD_UUID");
  d.name = optional_value(kv, "MD_NAME");
  d.devname = optional_value(kv, "MD_DEVNAME");
  // Members in the order mdadm printed them: collect ROLE keys first (the map
  // is sorted by key, so order by the key itself: stable and good enough).
  constexpr std::string_view prefix = "MD_DEVICE_";
  constexpr std::string_view role_suffix = "_ROLE";
  for (const auto& [key, value] : kv) {
    if (!starts_with(key, prefix) || key.size() <= prefix.size() + role_suffix.size() ||
        key.compare(key.size() - role_suffix.size(), role_suffix.size(), role_suffix) != 0)
      continue;
    DetailMember m;
    m.key = key.substr(prefix.size(), key.size() - prefix.size() - role_suffix.size());
    m.role = value;
    if (const auto n = to_u64(value)) m.slot = static_cast<unsigned>(*n);
    m.dev = optional_value(kv, std::string(prefix) + m.key + "_DEV");
    d.members.push_back(std::move(m));
  }
  return d;
}

Examine parse_examine_export(std::string_view text) {
  constexpr std::string_view cmd = "mdadm --examine --export";
  const auto kv = parse_export_lines(text);
  Examine e;
  e.level = required(kv, "MD_LEVEL", cmd);
  e.devices = required_number(kv, "MD_DEVICES", cmd);
  e.name = optional_value(kv, "MD_NAME");
  e.array_size = optional_value(kv, "MD_ARRAY_SIZE");
  e.uuid = required(kv, "MD_UUID", cmd);
  e.dev_uuid = required(kv, "MD_DEV_UUID", cmd);
  // MD_EVENTS is 64-bit in the superblock: not through required_number().
  const auto events = required(kv, "MD_EVENTS", cmd);
  const auto parsed_events = to_u64(events);
  if (!parsed_events)
    throw ParseError(std::string(cmd) + ": MD_EVENTS=" + events + " is not a number");
  e.events = *parsed_events;
  if (const auto t = to_u64(optional_value(kv, "MD_UPDATE_TIME"))) e.update_time = *t;
  return e;
}

std::uint64_t parse_examine_data_offset_sectors(std::string_view text) {
  for (const auto raw : split_lines(text)) {
    const auto line = trim(raw);
    if (!starts_with(line, "Data Offset")) continue;
    const auto colon = line.find(':');
    const auto words = split_words(colon == std::string_view::npos ? "" : line.substr(colon + 1));
    if (words.size() >= 2 && words[1] == "sectors")
      if (const auto n = to_u64(words[0])) return *n;
    throw ParseError("mdadm --examine: 'Data Offset' line '" + std::string(line) +
                     "' is not 'Data Offset : N sectors'");
  }
  throw ParseError(
      "mdadm --examine: no 'Data Offset' line (0.90/1.0 metadata or not an md member?)");
}

}  // namespace netraid::mdadm
