// SPDX-License-Identifier: GPL-2.0-or-later
// Pure decisions of the client: argument validation, the backend identifier
// the kernel keeps for a device, and the reconnect backoff schedule.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace netraid::nbd {

inline constexpr std::uint16_t kDefaultPort = 10809;
inline constexpr unsigned kMaxConnections = 16;
inline constexpr unsigned kMaxIndex = 1u << 20;  // the driver's own limit is far above nbds_max

struct Target {
  std::string host;  // name, IPv4 or IPv6 (without brackets)
  std::uint16_t port = kDefaultPort;
  std::string tag;   // the NBD export name
  // The mirror's pre-shared key file (tls.hpp): TLS on this link, through
  // kernel TLS. Empty: plaintext.
  std::string tls_psk_file;
  std::string where() const;  // "host:port" ("[v6]:port") for messages
};

// "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT". Throws ClientError(kUsage).
Target parse_target(const std::string& host_port, const std::string& tag);

// "/dev/nbdN" or "nbdN" -> N. Throws ClientError(kUsage).
unsigned parse_device(const std::string& text);
std::string device_path(unsigned index);

// Whole number, optional binary suffix K/M/G/T (sizes only). Throws ClientError(kUsage)
// naming `option` and the accepted range.
std::uint64_t parse_uint(const std::string& option, const std::string& text, std::uint64_t min,
                         std::uint64_t max, bool allow_suffix = false);

// The string the kernel stores as the device's backend (/sys/block/nbdN/backend)
// and demands back on every NBD_CMD_RECONFIGURE: "nbd://HOST:PORT/TAG", or
// "nbds://..." for a link through TLS (the URI scheme libnbd uses).
std::string backend_identifier(const Target& t);
// *tls tells whether the link was made through TLS (the key file is not part of it).
std::optional<Target> parse_backend_identifier(const std::string& id, bool* tls = nullptr);

struct AttachOptions {
  Target target;
  std::optional<unsigned> index;  // none: let the kernel pick a free device
  unsigned connections = 1;
  std::uint64_t min_size = 0;
  std::uint64_t timeout_s = 10;          // per-request timeout
  std::uint64_t dead_conn_timeout_s = 0; // grace period: 0 = fail fast
  bool supervise = false;
  std::uint64_t give_up_s = 0;           // supervise: 0 = never give up
};

// Backoff between reconnect attempts: initial, doubling, capped.
struct Backoff {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds maximum{5000};
  std::chrono::milliseconds delay(unsigned attempt) const;
};

// Whether to keep trying after `elapsed` since the link died. give_up == 0: never.
bool should_give_up(std::chrono::milliseconds elapsed, std::uint64_t give_up_s);

}  // namespace netraid::nbd
