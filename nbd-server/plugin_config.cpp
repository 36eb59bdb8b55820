// SPDX-License-Identifier: GPL-2.0-or-later
#include "plugin_config.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "netraid/common/names.hpp"
#include "netraid/common/quote.hpp"

namespace netraid::server {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
  size_t i = 0;
  uint64_t value = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view suffix = text.substr(i);
  if (suffix.empty() || iequals(suffix, "b")) return value;
  static constexpr std::string_view kUnits = "kmgtpe";
  const auto unit = kUnits.find(lower(suffix[0]));
  if (unit == std::string_view::npos) return std::nullopt;
  suffix.remove_prefix(1);
  if (!suffix.empty() && !iequals(suffix, "b") && !iequals(suffix, "ib")) return std::nullopt;
  const unsigned shift = 10 * static_cast<unsigned>(unit + 1);
  if (value > (kMax >> shift)) return std::nullopt;
  return value << shift;
}

std::optional<bool> parse_bool(std::string_view text) {
  for (auto t : {"1", "true", "yes", "on"})
    if (iequals(text, t)) return true;
  for (auto f : {"0", "false", "no", "off"})
    if (iequals(text, f)) return false;
  return std::nullopt;
}

std::string apply_key(PluginConfig& cfg, std::string_view key, std::string_view value) {
  const std::string k(key), v(value);
  if (key == "dev") {
    if (value.empty()) return "dev=: empty path: give the target disk, e.g. dev=/dev/sdb";
    cfg.dev = v;
  } else if (key == "tag") {
    // A tag names files (/run/netraid/TAG.pid) and the export: netraid's one rule.
    if (auto problem = common::tag_problem(value)) return "tag=" + common::printable(value) + ": " + *problem;
    cfg.tag = v;
  } else if (key == "size") {
    auto s = parse_size(value);
    if (!s || *s == 0) return "size=" + v + ": not a size: use bytes or a suffix, e.g. size=10G";
    cfg.size = s;
  } else if (key == "direct" || key == "readonly") {
    auto b = parse_bool(value);
    if (!b) return k + "=" + v + ": not a boolean: use " + k + "=true or " + k + "=false";
    (key == "direct" ? cfg.direct : cfg.readonly) = *b;
  } else if (key == "allow") {
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      std::string addr = v.substr(start, end - start);
      unsigned char buf[16];
      if (inet_pton(AF_INET, addr.c_str(), buf) != 1 && inet_pton(AF_INET6, addr.c_str(), buf) != 1)
        return "allow=" + v + ": '" + addr + "' is not a numeric IP address: list the mirror source's addresses";
      cfg.allow.push_back(addr);
      start = end + 1;
    }
  } else if (key == "deny") {
    if (value != "all") return "deny=" + v + ": only deny=all is supported: list allowed sources with allow=";
    cfg.deny_all = true;
  } else {
    return "unknown parameter '" + k + "': see nbdkit netraid --help for the parameters";
  }
  return "";
}

std::string check_complete(const PluginConfig& cfg) {
  if (cfg.dev.empty()) return "dev= is required: give the target disk, e.g. dev=/dev/sdb";
  if (cfg.tag.empty()) return "tag= is required: give the mirror's tag, e.g. tag=data1";
  return "";
}

bool export_allowed(const PluginConfig& cfg, std::string_view requested) {
  return requested == cfg.tag;
}

namespace {
// Canonical form of a numeric address, IPv4-mapped IPv6 as plain IPv4.
std::string canonical(const std::string& addr) {
  unsigned char b[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, addr.c_str(), b) == 1) return inet_ntop(AF_INET, b, out, sizeof out);
  if (inet_pton(AF_INET6, addr.c_str(), b) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0) return inet_ntop(AF_INET, b + 12, out, sizeof out);
    return inet_ntop(AF_INET6, b, out, sizeof out);
  }
  return "";
}
}  // namespace

bool peer_allowed(const PluginConfig& cfg, const std::string& peer) {
  if (!cfg.deny_all) return true;
  const std::string p = canonical(peer);
  if (p.empty()) return false;
  for (const auto& a : cfg.allow)
    if (canonical(a) == p) return true;
  return false;
}

bool may_open(const PluginConfig&, const DeviceFacts& f) {
  return (f.kind == Kind::block || f.kind == Kind::regular) && common::refusal(f).empty();
}

std::string refusal(const PluginConfig& cfg, const DeviceFacts& f) {
  const std::string dev = "dev=" + cfg.dev + ": ";
  switch (f.kind) {
    case Kind::missing:
      if (f.stat_errno == ENOENT || f.stat_errno == ENOTDIR || f.stat_errno == 0)
        return dev + "does not exist: check the path of the target disk";
      return dev + "cannot be examined (" + std::strerror(f.stat_errno) +
             "): check the path and the permissions";
    case Kind::directory:
      return dev + "is a directory, not a block device or regular file: give the target disk";
    case Kind::other:
      return dev + "is a " + (f.kind_name.empty() ? "special file" : f.kind_name) +
             ", not a block device or regular file: give the target disk";
    case Kind::block:
    case Kind::regular:
      break;
  }
  // Stacked on md or NBD, mounted, held, open exclusively elsewhere: the
  // same checks as a mirror's local leg (common/).
  if (auto e = common::refusal(f); !e.empty()) return dev + e;
  if (!f.opened) return dev + "was not opened: internal error, please report";
  if (f.locked_elsewhere)
    return dev + "is already served by another server (it holds the file's lock): stop that server first (see fuser -v " +
           cfg.dev + ")";
  if (f.open_errno == EROFS || (f.open_errno == EACCES && !cfg.readonly) ||
      (f.open_errno == 0 && f.read_only && !cfg.readonly))
    return dev + "is read-only but writes are wanted: make it writable (blockdev --setrw, chmod) or pass readonly=true";
  if (f.open_errno == EINVAL && cfg.direct)
    return dev + "does not support O_DIRECT: drop direct=true";
  if (f.open_errno != 0)
    return dev + "cannot be opened (" + std::strerror(f.open_errno) + "): check the permissions";
  if (f.size_bytes == 0) return dev + "has size 0: give a disk with room for the mirror";
  if (cfg.size && f.size_bytes < *cfg.size)
    return dev + "has " + std::to_string(f.size_bytes) + " bytes but size=" + std::to_string(*cfg.size) +
           " is needed: give a larger disk";
  return "";
}

bool block_can_trim(uint64_t discard_max_bytes) { return discard_max_bytes > 0; }

bool is_aligned(uint64_t offset, uint64_t count, const void* buf, uint64_t align) {
  if (align <= 1) return true;
  const auto addr = reinterpret_cast<uintptr_t>(buf);
  return offset % align == 0 && count % align == 0 && addr % align == 0;
}

}  // namespace netraid::server
