// SPDX-License-Identifier: GPL-2.0-or-later
// `netraid serve`: the pure half. Parses the verb's arguments and builds the
// nbdkit command line as an argument vector (never a shell string);
// serve_process.cpp runs it and manages the pid file.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace netraid::server {

inline constexpr uint16_t kDefaultPort = 10809;  // the IANA NBD port

struct ServeOptions {
  std::string tag;
  std::string device;
  std::string listen;                 // "" = nbdkit's default (all addresses)
  uint16_t port = kDefaultPort;
  std::vector<std::string> allow;     // only these sources may connect
  std::optional<uint64_t> size;
  bool direct = false;
  std::string plugin;                 // path of nbdkit-netraid-plugin.so
  std::string pid_file;
  // The mirror's pre-shared key: nbdkit then requires TLS with it from every
  // client (--tls=require --tls-psk=FILE). Empty: plaintext.
  std::string tls_psk_file;
  std::string nbdkit = "nbdkit";
  // false: the stock ip filter cannot parse addresses (Debian 12's 1.32
  // build), so allow=/deny=all go to our plugin instead.
  bool stock_ip_filter = true;
};

// nbdkit --pidfile P [-i ADDR] --port N [--tls=require --tls-psk=FILE]
// --filter=ip PLUGIN dev= tag= [size=] [direct=true] allow=A[,B] deny=all
std::vector<std::string> nbdkit_argv(const ServeOptions& opts);

enum class ServeAction { start, stop, status };
struct ServeRequest {
  ServeAction action = ServeAction::start;
  ServeOptions opts;  // tag always; the rest for start
  // start only: a server of TAG running with other options (it serves the
  // previous source) is stopped first. Sent by a new source after failover.
  bool takeover = false;
  // start only: serve through TLS with this system's key of the mirror
  // (the front end fills opts.tls_psk_file from its configuration directory).
  bool tls = false;
  // stop only (--drop): SIGKILL at once, so open connections are dropped
  // unanswered. A graceful stop answers requests with ESHUTDOWN, which a
  // kernel NBD client takes as an I/O error (md fails the leg); a dropped
  // connection is one the client holds I/O for and reconnects (resize).
  bool drop = false;
};

// Arguments after the verb. Returns the request or a one-line error.
std::variant<ServeRequest, std::string> parse_serve_args(std::span<const std::string> args);

// A numeric IPv4/IPv6 address (what nbdkit -i and the ip filter take).
bool valid_address(const std::string& addr);

// nbdkit command that tells whether the stock ip filter parses addresses
// (exit 0 = it does).
std::vector<std::string> ip_filter_probe_argv(const std::string& nbdkit);

// Which plugin to run: $NETRAID_PLUGIN, else the build tree's if it exists,
// else the installed one.
std::string choose_plugin(const char* env_value, bool build_exists, const std::string& build_path,
                          const std::string& install_path);

// Pid file of a tag under the run directory (/run/netraid by default).
std::string pid_file_for(const std::string& run_dir, const std::string& tag);

// Does /proc/PID/cmdline (NUL-separated) belong to an nbdkit serving TAG?
bool cmdline_serves(const std::string& cmdline, const std::string& tag);

}  // namespace netraid::server
