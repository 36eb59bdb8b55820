// SPDX-License-Identifier: GPL-2.0-or-later
// Pure logic of the netraid nbdkit plugin: key=value parsing and the decision
// whether a device may be served, taken from plain facts gathered elsewhere
// (device_probe.hpp). Nothing here touches the system, so all of it is
// unit-tested.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netraid/common/block_device.hpp"

namespace netraid::server {

struct PluginConfig {
  std::string dev;                // dev=PATH: block device or regular file
  std::string tag;                // tag=TAG: the only export name served
  std::optional<uint64_t> size;   // size=BYTES: the mirror needs at least this
  bool direct = false;            // direct=true: O_DIRECT
  bool readonly = false;          // readonly=true: no writes wanted
  // allow=ADDR[,ADDR] deny=all: the fallback for Debian 12's nbdkit 1.32 ip
  // filter, which was built without inet_pton and parses no address rule.
  // Same syntax, so `netraid serve` only drops --filter=ip.
  std::vector<std::string> allow;
  bool deny_all = false;
};

// "1024", "4k", "512M", "1G", "2TiB"... (powers of 1024, like nbdkit).
std::optional<uint64_t> parse_size(std::string_view text);
// true/false, yes/no, on/off, 1/0 (case-insensitive, like nbdkit_parse_bool).
std::optional<bool> parse_bool(std::string_view text);
// Applies one plugin parameter; returns "" or a one-line error.
std::string apply_key(PluginConfig& cfg, std::string_view key, std::string_view value);
// Required keys present? Returns "" or a one-line error.
std::string check_complete(const PluginConfig& cfg);

// The export name a client asked for is served only when it is the tag.
bool export_allowed(const PluginConfig& cfg, std::string_view requested);

using Kind = common::PathKind;

// What the probe saw: the shared facts about the device (common/, gathered
// before opening) plus what opening it told. Later fields are meaningful only
// when the earlier checks let the probe get that far.
struct DeviceFacts : common::DeviceFacts {
  bool opened = false;                    // the probe got as far as open()
  int open_errno = 0;                     // 0 = open succeeded
  bool read_only = false;                 // BLKROGET says read-only
  bool locked_elsewhere = false;          // a regular file whose lock another server holds
};

// "" when the device may be served, else the one-line reason and remedy.
std::string refusal(const PluginConfig& cfg, const DeviceFacts& facts);

// Whether the probe may go on to open the device (no refusal found yet).
bool may_open(const PluginConfig& cfg, const DeviceFacts& facts);

// The plugin's allow check: with deny=all only the listed sources connect.
// `peer` is the numeric address (IPv4-mapped IPv6 compares as IPv4); an
// empty peer is a Unix socket client.
bool peer_allowed(const PluginConfig& cfg, const std::string& peer);

// Block devices: trim is honoured only when the queue discards.
bool block_can_trim(uint64_t discard_max_bytes);

// O_DIRECT needs offset, length and buffer aligned to `align`.
bool is_aligned(uint64_t offset, uint64_t count, const void* buf, uint64_t align);

}  // namespace netraid::server
