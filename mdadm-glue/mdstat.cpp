// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/mdstat.hpp"

#include <charconv>
#include <regex>

#include "netraid/mdadm/parse_error.hpp"
#include "text_fields.hpp"

namespace netraid::mdadm {

using detail::split_lines;
using detail::split_words;
using detail::starts_with;
using detail::to_u64;
using detail::trim;

namespace {

[[noreturn]] void fail(std::string_view line, std::string_view why) {
  throw ParseError("/proc/mdstat: " + std::string(why) + " in line '" + std::string(trim(line)) +
                   "'");
}

// " nbd0[1](W)(F)" as printed by md_seq_show() for each rdev.
MdstatMember parse_member(std::string_view token, std::string_view line) {
  MdstatMember m;
  const auto open = token.find('[');
  const auto close = token.find(']', open == std::string_view::npos ? 0 : open);
  if (open == 0 || open == std::string_view::npos || close == std::string_view::npos)
    fail(line, "member '" + std::string(token) + "' is not NAME[N]");
  m.name = std::string(token.substr(0, open));
  const auto desc = to_u64(token.substr(open + 1, close - open - 1));
  if (!desc) fail(line, "member '" + std::string(token) + "' has no descriptor number");
  m.descriptor = static_cast<int>(*desc);
  auto flags = token.substr(close + 1);
  while (!flags.empty()) {
    if (flags.size() < 3 || flags[0] != '(' || flags[2] != ')')
      fail(line, "member '" + std::string(token) + "' has an unknown flag");
    switch (flags[1]) {
      case 'W': m.write_mostly = true; break;
      case 'J': m.journal = true; break;
      case 'F': m.faulty = true; break;
      case 'S': m.spare = true; break;
      case 'R': m.replacement = true; break;
      default: fail(line, "member '" + std::string(token) + "' has an unknown flag");
    }
    flags.remove_prefix(3);
  }
  return m;
}

// "md0 : active (auto-read-only) raid1 nbd0[1](W) ubda[0]"
MdstatArray parse_header(std::string_view line) {
  MdstatArray a;
  const auto words = split_words(line);
  if (words.size() < 3 || words[1] != ":") fail(line, "array header is not 'mdN : active|inactive'");
  a.name = std::string(words[0]);
  std::size_t i = 2;
  if (words[i] == "active") a.active = true;
  else if (words[i] != "inactive") fail(line, "array state is neither active nor inactive");
  ++i;
  if (a.active && i < words.size() && (words[i] == "(read-only)" || words[i] == "(auto-read-only)")) {
    a.read_only = std::string(words[i].substr(1, words[i].size() - 2));
    ++i;
  }
  // An active array names its personality next; members always contain '['.
  if (a.active && i < words.size() && words[i].find('[') == std::string_view::npos)
    a.personality = std::string(words[i++]);
  for (; i < words.size(); ++i) a.members.push_back(parse_member(words[i], line));
  return a;
}

// "262080 blocks super 1.2 [2/1] [U_]" (raid1_status adds the brackets).
void parse_blocks_line(std::string_view line, MdstatArray& a) {
  const auto words = split_words(line);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto w = words[i];
    if (w == "blocks" && i > 0) {
      a.blocks_kb = to_u64(words[i - 1]);
    } else if (w == "super" && i + 1 < words.size()) {
      a.super = std::string(words[++i]);
      if (a.super == "non-persistent") continue;
    } else if (w.size() >= 5 && w.front() == '[' && w.back() == ']' &&
               w.find('/') != std::string_view::npos) {
      const auto slash = w.find('/');
      const auto n = to_u64(w.substr(1, slash - 1));
      const auto m = to_u64(w.substr(slash + 1, w.size() - slash - 2));
      if (!n || !m) fail(line, "member count is not [N/M]");
      a.raid_disks = static_cast<unsigned>(*n);
      a.working_disks = static_cast<unsigned>(*m);
    } else if (w.size() >= 2 && w.front() == '[' && w.back() == ']' &&
               w.find_first_not_of("U_", 1) == w.size() - 1) {
      a.member_status = std::string(w.substr(1, w.size() - 2));
    }
  }
  if (!a.blocks_kb) fail(line, "no 'N blocks'");
}

std::optional<SyncKind> sync_kind(std::string_view word) {
  if (word == "resync") return SyncKind::Resync;
  if (word == "recovery" || word == "recover") return SyncKind::Recovery;
  if (word == "check") return SyncKind::Check;
  if (word == "repair") return SyncKind::Repair;
  if (word == "reshape") return SyncKind::Reshape;
  return std::nullopt;
}

// status_resync(): "resync=PENDING", "resync=DELAYED", "recover=REMOTE", or
// "[==>....]  recovery = 12.6% (33024/262080) finish=0.1min speed=33024K/sec".
SyncProgress parse_sync_line(std::string_view line) {
  SyncProgress p;
  const auto text = trim(line);
  const auto eq = text.find('=');
  if (text.front() != '[' && text.find('%') == std::string_view::npos) {
    const auto kind = sync_kind(text.substr(0, eq));
    const auto what = eq == std::string_view::npos ? std::string_view{} : text.substr(eq + 1);
    if (!kind) fail(line, "unknown sync operation");
    p.kind = *kind;
    if (what == "PENDING") p.state = SyncState::Pending;
    else if (what == "DELAYED") p.state = SyncState::Delayed;
    else if (what == "REMOTE") p.state = SyncState::Remote;
    else fail(line, "unknown sync state");
    return p;
  }
  static const std::regex progress(
      R"(^(?:\[[=>.]*\]\s+)?(resync|recovery|check|repair|reshape)\s*=\s*(\d+)\.(\d)%\s+\((\d+)/(\d+)\)(?:\s+finish=([0-9.]+)min)?(?:\s+speed=(\d+)K/sec)?\s*$)");
  std::cmatch m;
  if (!std::regex_match(text.data(), text.data() + text.size(), m, progress))
    fail(line, "sync progress is not 'KIND = P.P% (DONE/TOTAL) finish=Xmin speed=YK/sec'");
  p.kind = *sync_kind(m[1].str());
  p.permille = static_cast<unsigned>(std::stoul(m[2].str()) * 10 + std::stoul(m[3].str()));
  p.done_kb = *to_u64(m[4].str());
  p.total_kb = *to_u64(m[5].str());
  if (m[6].matched) p.finish_min = std::stod(m[6].str());
  if (m[7].matched) p.speed_kb_per_s = to_u64(m[7].str());
  return p;
}

// md_bitmap_status(): "bitmap: 1/1 pages [4KB], 1024KB chunk[, file: PATH]"
MdstatBitmap parse_bitmap_line(std::string_view line) {
  static const std::regex re(
      R"(^bitmap:\s+(\d+)/(\d+)\s+pages\s+\[(\d+)KB\],\s+(\d+)(KB|B)\s+chunk(?:,\s+file:\s+(.*))?$)");
  const auto text = trim(line);
  std::cmatch m;
  if (!std::regex_match(text.data(), text.data() + text.size(), m, re))
    fail(line, "bitmap line is not 'bitmap: N/M pages [xKB], CKB chunk'");
  MdstatBitmap b;
  b.pages_present = *to_u64(m[1].str());
  b.pages_total = *to_u64(m[2].str());
  b.memory_kb = *to_u64(m[3].str());
  b.chunk_bytes = *to_u64(m[4].str()) * (m[5].str() == "KB" ? 1024 : 1);
  if (m[6].matched) b.file = m[6].str();
  return b;
}

bool is_sync_line(std::string_view text) {
  if (starts_with(text, "[")) return true;
  const auto eq = text.find('=');
  return eq != std::string_view::npos && sync_kind(trim(text.substr(0, eq))).has_value();
}

}  // namespace

Mdstat parse_mdstat(std::string_view text) {
  Mdstat result;
  bool saw_personalities = false;
  MdstatArray* current = nullptr;
  for (const auto raw : split_lines(text)) {
    const auto line = trim(raw);
    if (line.empty()) {
      current = nullptr;
      continue;
    }
    if (starts_with(line, "Personalities :")) {
      saw_personalities = true;
      for (const auto w : split_words(line.substr(15))) {
        if (w.size() < 3 || w.front() != '[' || w.back() != ']')
          fail(raw, "personality is not [name]");
        result.personalities.emplace_back(w.substr(1, w.size() - 2));
      }
      continue;
    }
    if (starts_with(line, "unused devices:")) {
      current = nullptr;
      for (const auto w : split_words(line.substr(15)))
        if (w != "<none>") result.unused_devices.emplace_back(w);
      continue;
    }
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (!indented) {
      if (starts_with(line, "read_ahead")) continue;  // 2.4-era kernels
      result.arrays.push_back(parse_header(line));
      current = &result.arrays.back();
      continue;
    }
    if (!current) fail(raw, "indented line outside an array");
    if (starts_with(line, "bitmap:")) current->bitmap = parse_bitmap_line(line);
    else if (is_sync_line(line)) current->sync = parse_sync_line(line);
    else if (line.find("blocks") != std::string_view::npos) parse_blocks_line(line, *current);
    // Other personalities print more lines (raid5 stripe cache etc.): ignored.
  }
  if (!saw_personalities) throw ParseError("/proc/mdstat: no 'Personalities :' line: is this /proc/mdstat?");
  return result;
}

const MdstatArray* find_array(const Mdstat& mdstat, std::string_view name) {
  for (const auto& a : mdstat.arrays)
    if (a.name == name) return &a;
  return nullptr;
}

std::string_view to_string(SyncKind kind) {
  switch (kind) {
    case SyncKind::Resync: return "resync";
    case SyncKind::Recovery: return "recovery";
    case SyncKind::Check: return "check";
    case SyncKind::Repair: return "repair";
    case SyncKind::Reshape: return "reshape";
  }
  return "unknown";
}

}  // namespace netraid::mdadm
