// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/mirror_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "netraid/common/names.hpp"
#include "netraid/common/quote.hpp"

namespace netraid::mirror::config {

using nlohmann::json;

const System* MirrorConfig::find(const std::string& host) const {
  auto it = std::find_if(systems.begin(), systems.end(), [&](const System& s) { return s.host == host; });
  return it == systems.end() ? nullptr : &*it;
}
System* MirrorConfig::find(const std::string& host) {
  return const_cast<System*>(static_cast<const MirrorConfig*>(this)->find(host));
}

std::string validate_tag(const std::string& tag) {
  // The tag names files (TAG.json, TAG_last_owner), the NBD export, the md
  // array and LifeKeeper resources: one rule for all (netraid-common).
  return common::tag_problem(tag).value_or("");
}

std::string validate_device_path(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return "device " + common::quoted(path) + " is not an absolute path: give e.g. /dev/sdb1";
  if (path.find("..") != std::string::npos)
    return "device " + common::quoted(path) + " contains '..': give the device's real path";
  if (std::any_of(path.begin(), path.end(), [](char c) { return std::iscntrl(static_cast<unsigned char>(c)); }))
    return "device " + common::quoted(path) + " contains a control character: give the device's real path";
  return {};
}

std::string validate_host(const std::string& host) {
  if (host.empty()) return "the system name is empty";
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':'; };
  if (host[0] == '-' || !std::all_of(host.begin(), host.end(), ok))
    return "system name " + common::quoted(host) + " has invalid characters: use a hostname or an IP address";
  return {};
}

std::string validate(const MirrorConfig& m) {
  if (auto e = validate_tag(m.tag); !e.empty()) return e;
  if (m.systems.empty()) return "mirror " + m.tag + " has no systems";
  if (m.systems.size() > 1 + kMaxTargets)
    return "mirror " + m.tag + " has " + std::to_string(m.systems.size() - 1) + " targets: at most " +
           std::to_string(kMaxTargets) + " are possible";
  const unsigned c = m.bitmap_chunk_kib;
  if (c < 4 || (c & (c - 1)) != 0)
    return "bitmap chunk " + std::to_string(c) + " KiB is not a power of two of at least 4 KiB: give e.g. " +
           std::to_string(kDefaultBitmapChunkKib) + " (the default)";
  if (m.grace_seconds > 3600)
    return "grace period " + std::to_string(m.grace_seconds) + " s is too long: give at most 3600 s (0 = none)";
  if (!m.mount_dir.empty() && m.fstype != "ext4" && m.fstype != "xfs")
    return "file system type " + common::quoted(m.fstype) + " is not supported: use ext4 or xfs";
  if (auto e = tunables::overrides_problem(m.tunables, m.tag); !e.empty()) return e;
  std::set<std::string> hosts;
  for (const auto& s : m.systems) {
    if (auto e = validate_host(s.host); !e.empty()) return e;
    if (auto e = validate_device_path(s.device); !e.empty()) return e;
    if (!hosts.insert(s.host).second) return "system " + s.host + " appears twice in mirror " + m.tag;
    if (s.port == 0) return "port 0 for " + s.host + " is invalid: use 1-65535";
  }
  return {};
}

std::string find_conflict(const MirrorConfig& m, const std::vector<MirrorConfig>& others) {
  for (const auto& o : others) {
    if (o.tag == m.tag) return "a mirror with tag " + m.tag + " already exists: choose another tag or delete it first";
    for (const auto& s : m.systems) {
      const System* t = o.find(s.host);
      if (!t) continue;
      if (t->device == s.device)
        return "device " + s.device + " on " + s.host + " already belongs to mirror " + o.tag +
               ": give another device";
      if (t->port == s.port)
        return "port " + std::to_string(s.port) + " on " + s.host + " is already used by mirror " + o.tag +
               ": give another port with HOST:PORT";
    }
    if (!m.md_device.empty() && m.md_device == o.md_device)
      return "md device " + m.md_device + " is already used by mirror " + o.tag;
  }
  return {};
}

std::uint16_t free_port(const std::string& host, const std::vector<MirrorConfig>& others) {
  std::set<std::uint16_t> used;
  for (const auto& o : others)
    if (const System* s = o.find(host)) used.insert(s->port);
  std::uint16_t port = kDefaultPort;
  while (used.count(port)) ++port;
  return port;
}

std::string to_string(ReplicationMode mode) { return mode == ReplicationMode::kSync ? "sync" : "async"; }

std::optional<ReplicationMode> parse_mode(const std::string& text) {
  if (text == "sync") return ReplicationMode::kSync;
  if (text == "async") return ReplicationMode::kAsync;
  return std::nullopt;
}

std::optional<HostPort> parse_host_port(const std::string& text) {
  HostPort hp;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    hp.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      port_text = text.substr(close + 2);
      if (port_text.empty()) return std::nullopt;
    }
  } else if (auto colon = text.find(':'); colon != std::string::npos && text.find(':', colon + 1) == std::string::npos) {
    hp.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) return std::nullopt;
  } else {
    hp.host = text;
  }
  if (hp.host.empty() || !validate_host(hp.host).empty()) return std::nullopt;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return std::nullopt;
    hp.port = static_cast<std::uint16_t>(value);
  }
  return hp;
}

MirrorConfig parse(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not valid JSON: ") + e.what());
  }
  MirrorConfig m;
  try {
    m.tag = j.at("tag").get<std::string>();
    m.md_device = j.value("md_device", "");
    m.bitmap_chunk_kib = j.value("bitmap_chunk_kib", kDefaultBitmapChunkKib);
    m.grace_seconds = j.value("grace_seconds", 0u);
    // A config written before TLS existed has no key anywhere: plaintext.
    m.tls = j.value("tls", false);
    m.mount_dir = j.value("mount_dir", "");
    m.fstype = j.value("fstype", "");
    if (j.contains("tunables"))
      for (const auto& [key, value] : j.at("tunables").items())
        // A number written by hand ("LKDR_SPEED_LIMIT": 50000) is its digits.
        m.tunables[key] = value.is_number_integer() ? value.dump() : value.get<std::string>();
    for (const auto& s : j.at("systems")) {
      System sys;
      sys.host = s.at("host").get<std::string>();
      sys.address = s.value("address", sys.host);
      sys.device = s.at("device").get<std::string>();
      sys.port = s.value("port", kDefaultPort);
      sys.priority = s.value("priority", 1);
      auto mode = parse_mode(s.value("mode", "sync"));
      if (!mode) throw std::invalid_argument("mode of " + sys.host + " must be sync or async");
      sys.mode = *mode;
      m.systems.push_back(std::move(sys));
    }
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("missing or mistyped field: ") + e.what());
  }
  if (auto e = validate(m); !e.empty()) throw std::invalid_argument(e);
  return m;
}

std::string render(const MirrorConfig& m) {
  json j;
  j["tag"] = m.tag;
  j["md_device"] = m.md_device;
  j["bitmap_chunk_kib"] = m.bitmap_chunk_kib;
  j["grace_seconds"] = m.grace_seconds;
  j["tls"] = m.tls;
  if (!m.mount_dir.empty()) {
    j["mount_dir"] = m.mount_dir;
    j["fstype"] = m.fstype;
  }
  if (!m.tunables.empty()) j["tunables"] = m.tunables;  // absent when none: older configs stay as they were
  j["systems"] = json::array();
  for (const auto& s : m.systems) {
    j["systems"].push_back({{"host", s.host},
                            {"address", s.address},
                            {"device", s.device},
                            {"port", s.port},
                            {"priority", s.priority},
                            {"mode", to_string(s.mode)}});
  }
  return j.dump(2) + "\n";
}

}  // namespace netraid::mirror::config
