// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/sysfs_values.hpp"

#include <array>
#include <charconv>
#include <utility>

#include "netraid/mdadm/parse_error.hpp"
#include "text_fields.hpp"

namespace netraid::mdadm {

using detail::split_words;
using detail::to_u64;
using detail::trim;

namespace {

constexpr std::array<std::pair<ArrayState, std::string_view>, 10> kArrayStates{{
    {ArrayState::Clear, "clear"},
    {ArrayState::Inactive, "inactive"},
    {ArrayState::Suspended, "suspended"},
    {ArrayState::Readonly, "readonly"},
    {ArrayState::ReadAuto, "read-auto"},
    {ArrayState::Clean, "clean"},
    {ArrayState::Active, "active"},
    {ArrayState::WritePending, "write-pending"},
    {ArrayState::ActiveIdle, "active-idle"},
    {ArrayState::Broken, "broken"},
}};

constexpr std::array<std::pair<SyncAction, std::string_view>, 7> kSyncActions{{
    {SyncAction::Idle, "idle"},
    {SyncAction::Resync, "resync"},
    {SyncAction::Recover, "recover"},
    {SyncAction::Check, "check"},
    {SyncAction::Repair, "repair"},
    {SyncAction::Reshape, "reshape"},
    {SyncAction::Frozen, "frozen"},
}};

[[noreturn]] void fail(std::string_view attribute, std::string_view text, std::string_view expected) {
  throw ParseError(std::string(attribute) + ": unexpected value '" + std::string(trim(text)) +
                   "' (expected " + std::string(expected) + ")");
}

}  // namespace

ArrayState parse_array_state(std::string_view text) {
  const auto word = trim(text);
  for (const auto& [state, name] : kArrayStates)
    if (word == name) return state;
  fail("array_state", text, "clear, inactive, clean, active, ... as in md.c array_states[]");
}

std::string_view to_string(ArrayState state) {
  for (const auto& [s, name] : kArrayStates)
    if (s == state) return name;
  return "unknown";
}

SyncAction parse_sync_action(std::string_view text) {
  const auto word = trim(text);
  for (const auto& [action, name] : kSyncActions)
    if (word == name) return action;
  fail("sync_action", text, "idle, resync, recover, check, repair, reshape or frozen");
}

std::string_view to_string(SyncAction action) {
  for (const auto& [a, name] : kSyncActions)
    if (a == action) return name;
  return "unknown";
}

SyncCompleted parse_sync_completed(std::string_view text) {
  const auto value = trim(text);
  if (value == "none") return {};
  if (value == "delayed") return {SyncCompleted::Kind::Delayed, 0, 0};
  const auto words = split_words(value);
  if (words.size() == 3 && words[1] == "/") {
    const auto done = to_u64(words[0]);
    const auto total = to_u64(words[2]);
    if (done && total) return {SyncCompleted::Kind::Progress, *done, *total};
  }
  fail("sync_completed", text, "'none', 'delayed' or 'DONE / TOTAL'");
}

MemberState parse_member_state(std::string_view text) {
  MemberState s;
  auto rest = trim(text);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto word = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (word.empty()) continue;
    if (word == "faulty") s.faulty = true;
    else if (word == "in_sync") s.in_sync = true;
    else if (word == "journal") s.journal = true;
    else if (word == "write_mostly") s.write_mostly = true;
    else if (word == "blocked") s.blocked = true;
    else if (word == "spare") s.spare = true;
    else if (word == "write_error") s.write_error = true;
    else if (word == "want_replacement") s.want_replacement = true;
    else if (word == "replacement") s.replacement = true;
    else if (word == "external_bbl") s.external_bbl = true;
    else if (word == "failfast") s.failfast = true;
    else s.unknown.emplace_back(word);
  }
  return s;
}

std::optional<unsigned> parse_slot(std::string_view text) {
  const auto value = trim(text);
  if (value == "none") return std::nullopt;
  if (const auto n = to_u64(value)) return static_cast<unsigned>(*n);
  fail("dev-*/slot", text, "a number or 'none'");
}

std::uint64_t parse_number_attribute(std::string_view text, std::string_view what) {
  if (const auto n = to_u64(trim(text))) return *n;
  fail(what, text, "a decimal number");
}

SpeedLimit parse_speed_limit(std::string_view text) {
  const auto words = split_words(trim(text));
  if (!words.empty() && words.size() <= 2) {
    const auto n = to_u64(words[0]);
    const bool system = words.size() == 2 && words[1] == "(system)";
    const bool local = words.size() == 2 && words[1] == "(local)";
    if (n && (words.size() == 1 || system || local)) return {*n, system};
  }
  fail("sync_speed_min/max", text, "'N (system)' or 'N (local)'");
}

BitmapLocation parse_bitmap_location(std::string_view text) {
  const auto value = trim(text);
  if (value == "none") return {};
  if (value == "file") return {BitmapLocation::Kind::File, 0};
  if (!value.empty() && (value[0] == '+' || value[0] == '-')) {
    std::int64_t offset = 0;
    const auto digits = value.substr(1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty())
      return {BitmapLocation::Kind::Internal, value[0] == '-' ? -offset : offset};
  }
  fail("bitmap/location", text, "'none', 'file' or '+N'/'-N' sectors");
}

}  // namespace netraid::mdadm
