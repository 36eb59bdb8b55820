// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/cli_args.hpp"

#include <map>
#include <set>
#include <vector>

#include "netraid/common/verb_error.hpp"
#include "netraid/nbd/error.hpp"

namespace netraid::nbd {

namespace {
struct Parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
};

Parsed parse(std::span<const std::string> args, const std::set<std::string>& value_opts,
             const std::set<std::string>& flag_opts) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (a == "--") {
        for (++i; i < args.size(); ++i) p.positional.push_back(args[i]);
        break;
      }
      if (a.size() > 1 && a[0] == '-')
        fail(ErrorKind::kUsage, "unknown option '" + a + "': see --help");
      p.positional.push_back(a);
      continue;
    }
    const auto eq = a.find('=');
    const std::string key = a.substr(0, eq);
    if (value_opts.count(key)) {
      std::string v;
      if (eq != std::string::npos) {
        v = a.substr(eq + 1);
      } else {
        if (i + 1 >= args.size()) fail(ErrorKind::kUsage, "option " + key + " needs a value: see --help");
        v = args[++i];
      }
      if (p.values.count(key)) fail(ErrorKind::kUsage, "option " + key + " given twice: give it once");
      p.values[key] = v;
    } else if (flag_opts.count(key) && eq == std::string::npos) {
      p.flags.insert(key);
    } else if (flag_opts.count(key)) {
      fail(ErrorKind::kUsage, "option " + key + " takes no value: drop '=" + a.substr(eq + 1) + "'");
    } else {
      fail(ErrorKind::kUsage, "unknown option '" + key + "': see --help");
    }
  }
  return p;
}

void expect_positional(const Parsed& p, std::size_t min, std::size_t max, const char* what) {
  if (p.positional.size() < min || p.positional.size() > max)
    fail(ErrorKind::kUsage, std::string("expected ") + what + ", got " + std::to_string(p.positional.size()) +
                                " argument(s): see --help");
}
}  // namespace

AttachOptions parse_attach_args(std::span<const std::string> args) {
  const auto p = parse(args,
                       {"--device", "--connections", "--size", "--timeout", "--dead-conn-timeout", "--give-up"},
                       {"--supervise"});
  expect_positional(p, 2, 2, "HOST[:PORT] TAG");
  AttachOptions o;
  o.target = parse_target(p.positional[0], p.positional[1]);
  if (auto it = p.values.find("--device"); it != p.values.end()) o.index = parse_device(it->second);
  if (auto it = p.values.find("--connections"); it != p.values.end())
    o.connections = static_cast<unsigned>(parse_uint("--connections", it->second, 1, kMaxConnections));
  if (auto it = p.values.find("--size"); it != p.values.end())
    o.min_size = parse_uint("--size", it->second, 512, 1ULL << 62, true);
  if (auto it = p.values.find("--timeout"); it != p.values.end())
    o.timeout_s = parse_uint("--timeout", it->second, 1, 86400);
  if (auto it = p.values.find("--dead-conn-timeout"); it != p.values.end())
    o.dead_conn_timeout_s = parse_uint("--dead-conn-timeout", it->second, 0, 86400);
  o.supervise = p.flags.count("--supervise") > 0;
  if (auto it = p.values.find("--give-up"); it != p.values.end()) {
    if (!o.supervise) fail(ErrorKind::kUsage, "--give-up only applies with --supervise: add --supervise or drop it");
    o.give_up_s = parse_uint("--give-up", it->second, 0, 86400 * 365);
  }
  return o;
}

WatchArgs parse_watch_args(std::span<const std::string> args) {
  const auto p = parse(args, {"--give-up"}, {});
  expect_positional(p, 1, 1, "/dev/nbdN");
  WatchArgs w;
  w.index = parse_device(p.positional[0]);
  if (auto it = p.values.find("--give-up"); it != p.values.end())
    w.give_up_s = parse_uint("--give-up", it->second, 0, 86400 * 365);
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
  const auto p = parse(args, {"--size"}, {"--json", "--native"});
  expect_positional(p, 2, 2, "HOST[:PORT] TAG");
  ProbeArgs r;
  r.native = p.flags.count("--native") > 0;
  r.target = parse_target(p.positional[0], p.positional[1]);
  if (auto it = p.values.find("--size"); it != p.values.end())
    r.min_size = parse_uint("--size", it->second, 512, 1ULL << 62, true);
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
