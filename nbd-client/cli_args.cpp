// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/cli_args.hpp"

#include <set>
#include <vector>

#include "netraid/common/options.hpp"
#include "netraid/common/verb_error.hpp"
#include "netraid/nbd/error.hpp"

namespace netraid::nbd {

namespace {
using Parsed = common::ParsedOptions;

// The shared parser, its refusals in this library's words.
Parsed parse(std::span<const std::string> args, const std::set<std::string>& value_opts,
             const std::set<std::string>& flag_opts) {
  try {
    return common::parse_options(args,
                                 {.values = value_opts, .flags = flag_opts, .repeatable = {}, .aliases = {}});
  } catch (const common::OptionError& e) {
    using Kind = common::OptionError::Kind;
    const bool see_help = e.kind == Kind::kUnknown || e.kind == Kind::kNeedsValue;
    fail(ErrorKind::kUsage, e.what() + std::string(see_help ? ": see --help" : ""));
  }
}

// An absolute path: the watcher that reconnects runs from another directory.
std::string tls_psk_path(const std::string& v) {
  if (v.empty() || v[0] != '/') fail(ErrorKind::kUsage, "--tls-psk " + v + ": give the key file's absolute path");
  return v;
}

void expect_positional(const Parsed& p, std::size_t min, std::size_t max, const char* what) {
  if (p.positional.size() < min || p.positional.size() > max)
    fail(ErrorKind::kUsage, std::string("expected ") + what + ", got " + std::to_string(p.positional.size()) +
                                " argument(s): see --help");
}
}  // namespace

AttachOptions parse_attach_args(std::span<const std::string> args) {
  const auto p = parse(args,
                       {"--device", "--connections", "--size", "--timeout", "--dead-conn-timeout", "--give-up",
                        "--tls-psk"},
                       {"--supervise"});
  expect_positional(p, 2, 2, "HOST[:PORT] TAG");
  AttachOptions o;
  o.target = parse_target(p.positional[0], p.positional[1]);
  if (const auto v = p.value("--device")) o.index = parse_device(*v);
  if (const auto v = p.value("--tls-psk")) o.target.tls_psk_file = tls_psk_path(*v);
  if (const auto v = p.value("--connections"))
    o.connections = static_cast<unsigned>(parse_uint("--connections", *v, 1, kMaxConnections));
  if (const auto v = p.value("--size")) o.min_size = parse_uint("--size", *v, 512, 1ULL << 62, true);
  if (const auto v = p.value("--timeout")) o.timeout_s = parse_uint("--timeout", *v, 1, 86400);
  if (const auto v = p.value("--dead-conn-timeout"))
    o.dead_conn_timeout_s = parse_uint("--dead-conn-timeout", *v, 0, 86400);
  o.supervise = p.flags.count("--supervise") > 0;
  if (const auto v = p.value("--give-up")) {
    if (!o.supervise) fail(ErrorKind::kUsage, "--give-up only applies with --supervise: add --supervise or drop it");
    o.give_up_s = parse_uint("--give-up", *v, 0, 86400 * 365);
  }
  return o;
}

WatchArgs parse_watch_args(std::span<const std::string> args) {
  const auto p = parse(args, {"--give-up", "--tls-psk", "--fence-peer", "--mirror", "--peer"}, {});
  expect_positional(p, 1, 1, "/dev/nbdN");
  WatchArgs w;
  w.index = parse_device(p.positional[0]);
  if (const auto v = p.value("--tls-psk")) w.tls_psk_file = tls_psk_path(*v);
  if (const auto v = p.value("--give-up")) w.give_up_s = parse_uint("--give-up", *v, 0, 86400 * 365);
  w.fence_peer = p.value("--fence-peer").value_or("");
  w.mirror = p.value("--mirror").value_or("");
  w.peer = p.value("--peer").value_or("");
  if ((!w.fence_peer.empty() || !w.mirror.empty() || !w.peer.empty()) &&
      (w.fence_peer.empty() || w.mirror.empty() || w.peer.empty()))
    fail(ErrorKind::kUsage, "--fence-peer PROGRAM, --mirror TAG and --peer HOST go together: give all three or none");
  if (!w.fence_peer.empty() && w.fence_peer.front() != '/')
    fail(ErrorKind::kUsage, "--fence-peer '" + w.fence_peer + "' is not an absolute path: give the handler's full path");
  return w;
}

StatusArgs parse_status_args(std::span<const std::string> args) {
  const auto p = parse(args, {}, {"--json"});
  expect_positional(p, 0, 1, "at most one /dev/nbdN");
  StatusArgs s;
  if (!p.positional.empty()) s.index = parse_device(p.positional[0]);
  s.json = p.flags.count("--json") > 0;
  return s;
}

unsigned parse_detach_args(std::span<const std::string> args) {
  const auto p = parse(args, {}, {});
  expect_positional(p, 1, 1, "/dev/nbdN");
  return parse_device(p.positional[0]);
}

ProbeArgs parse_probe_args(std::span<const std::string> args) {
  const auto p = parse(args, {"--size", "--tls-psk"}, {"--json", "--native"});
  expect_positional(p, 2, 2, "HOST[:PORT] TAG");
  ProbeArgs r;
  r.native = p.flags.count("--native") > 0;
  r.target = parse_target(p.positional[0], p.positional[1]);
  if (const auto v = p.value("--tls-psk")) r.target.tls_psk_file = tls_psk_path(*v);
  if (const auto v = p.value("--size")) r.min_size = parse_uint("--size", *v, 512, 1ULL << 62, true);
  r.json = p.flags.count("--json") > 0;
  return r;
}

}  // namespace netraid::nbd

#include <cstdio>
namespace netraid::nbd {
int run_client_verb(const char* verb, std::span<const std::string> args, const std::function<int()>& body) {
  const bool json = common::wants_json(args);
  try {
    return body();
  } catch (const ClientError& e) {
    const int code = e.kind == ErrorKind::kUsage ? 2 : 1;
    common::report_failure(std::string(verb) + ": " + e.what(), code, json);
    return code;
  } catch (const std::exception& e) {
    common::report_failure(std::string(verb) + ": " + e.what(), 1, json);
    return 1;
  }
}
int run_client_verb(const char* verb, const std::function<int()>& body) { return run_client_verb(verb, {}, body); }
bool wants_help(std::span<const std::string> args, const char* usage) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return true;
    }
  return false;
}
}  // namespace netraid::nbd
