// SPDX-License-Identifier: GPL-2.0-or-later
// A mirror's configuration: which systems take part, with which disk, address
// and port. The same document lives on every system of the mirror
// (/etc/netraid/TAG.json); who is source right now is runtime state (flags),
// not configuration. Everything here is pure: parse, render, validate.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netraid/common/limits.hpp"
#include "netraid/mirror/tunables.hpp"

namespace netraid::mirror::config {

using common::kMaxTargets;
inline constexpr std::uint16_t kDefaultPort = 10809;
inline constexpr unsigned kDefaultBitmapChunkKib = 64;

enum class ReplicationMode { kSync, kAsync };

struct System {
  std::string host;     // system name (hostname), unique in the mirror
  std::string address;  // where its NBD server listens (IPv4/IPv6 literal or name)
  std::string device;   // its leg: a partition or disk on that system
  std::uint16_t port = kDefaultPort;
  int priority = 1;     // failover order: lower number = preferred (1 = primary)
  ReplicationMode mode = ReplicationMode::kSync;
};

struct MirrorConfig {
  std::string tag;
  std::string md_device;       // e.g. /dev/md/netraid-TAG (stable name)
  unsigned bitmap_chunk_kib = kDefaultBitmapChunkKib;
  // Seconds I/O waits for a lost target to reconnect before md fails its leg
  // (0: fail at once, the bitmap tracks the writes; see leg_attach.hpp).
  unsigned grace_seconds = 0;
  // The replication link uses TLS with the mirror's pre-shared key
  // (link_key.hpp) on every system; false only when created with --no-tls.
  bool tls = false;
  std::string mount_dir;       // empty: raw mirror
  std::string fstype;          // ext4 | xfs when mount_dir is set
  // This mirror's own DataKeeper tunables ("tunables": {"LKDR_SPEED_LIMIT":
  // "50000"}), only tunables::per_mirror_keys(), each a valid value; over
  // /etc/default/LifeKeeper, under the environment (tunables::for_mirror).
  // Set by `netraid set TAG --tunable KEY=VALUE`, shared as the rest is.
  tunables::Overrides tunables;
  std::vector<System> systems; // the creating system first

  const System* find(const std::string& host) const;
  System* find(const std::string& host);
};

// One-line problem description, empty when fine.
std::string validate_tag(const std::string& tag);
std::string validate_device_path(const std::string& path);
std::string validate_host(const std::string& host);
std::string validate(const MirrorConfig& mirror);

// Another mirror already uses what `mirror` wants: same tag, same device on
// the same system, or same port on the same system. One line, empty if none.
std::string find_conflict(const MirrorConfig& mirror, const std::vector<MirrorConfig>& others);

// The lowest port from kDefaultPort up that no mirror in `others` uses on `host`.
std::uint16_t free_port(const std::string& host, const std::vector<MirrorConfig>& others);

// JSON text <-> config. parse() throws std::invalid_argument with one line.
MirrorConfig parse(const std::string& json_text);
std::string render(const MirrorConfig& mirror);

std::string to_string(ReplicationMode mode);
std::optional<ReplicationMode> parse_mode(const std::string& text);

// Parses "HOST" or "HOST:PORT" or "[V6]:PORT"; nullopt when malformed.
struct HostPort {
  std::string host;
  std::uint16_t port = kDefaultPort;
};
std::optional<HostPort> parse_host_port(const std::string& text);

}  // namespace netraid::mirror::config
