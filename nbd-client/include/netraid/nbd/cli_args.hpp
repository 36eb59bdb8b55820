// SPDX-License-Identifier: GPL-2.0-or-later
// Command lines of the client verbs, parsed into options (pure, unit-tested).
// Accepts --key VALUE and --key=VALUE; anything unknown is a usage error.
#pragma once
#include <optional>
#include <span>
#include <string>

#include "netraid/nbd/options.hpp"

namespace netraid::nbd {

AttachOptions parse_attach_args(std::span<const std::string> args);

struct WatchArgs {
  unsigned index = 0;
  std::uint64_t give_up_s = 0;
  std::string tls_psk_file;  // the key, when the device was attached through TLS
  // Fence-peer: run [fence_peer, mirror, peer] when the link stays down
  // (client.hpp WatchPolicy::outdate_peer); all three or none.
  std::string fence_peer, mirror, peer;
};
WatchArgs parse_watch_args(std::span<const std::string> args);

struct StatusArgs {
  std::optional<unsigned> index;
  bool json = false;
};
StatusArgs parse_status_args(std::span<const std::string> args);

unsigned parse_detach_args(std::span<const std::string> args);

struct ProbeArgs {
  Target target;
  std::uint64_t min_size = 0;
  bool json = false;
  bool native = false;  // netraid's own handshake (the one attach uses) instead of libnbd
};
ProbeArgs parse_probe_args(std::span<const std::string> args);

}  // namespace netraid::nbd

#include <functional>
namespace netraid::nbd {
// Runs a verb's body; a ClientError becomes "netraid: VERB: message" on stderr
// and exit 2 (usage: nothing was changed) or 1 (tried and failed); with
// --json among `args`, also a JSON error object on stdout.
int run_client_verb(const char* verb, const std::function<int()>& body);
int run_client_verb(const char* verb, std::span<const std::string> args, const std::function<int()>& body);
// True (after printing usage to stdout) when args ask for help.
bool wants_help(std::span<const std::string> args, const char* usage);
}  // namespace netraid::nbd
