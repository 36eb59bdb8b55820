// SPDX-License-Identifier: GPL-2.0-or-later
#include "nbdkit_command.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "netraid/common/names.hpp"
#include "netraid/common/options.hpp"
#include "plugin_config.hpp"

namespace netraid::server {

std::vector<std::string> nbdkit_argv(const ServeOptions& o) {
  std::vector<std::string> argv{o.nbdkit, "--pidfile", o.pid_file};
  if (!o.listen.empty()) {
    argv.push_back("--ipaddr");
    argv.push_back(o.listen);
  }
  argv.push_back("--port");
  argv.push_back(std::to_string(o.port));
  if (!o.tls_psk_file.empty()) {
    argv.push_back("--tls=require");
    argv.push_back("--tls-psk=" + o.tls_psk_file);
  }
  // Access control is nbdkit's ip filter: allow the sources, deny the rest.
  if (o.stock_ip_filter) argv.push_back("--filter=ip");
  argv.push_back(o.plugin);
  argv.push_back("dev=" + o.device);
  argv.push_back("tag=" + o.tag);
  if (o.size) argv.push_back("size=" + std::to_string(*o.size));
  if (o.direct) argv.push_back("direct=true");
  std::string allow;
  for (const auto& a : o.allow) allow += (allow.empty() ? "" : ",") + a;
  argv.push_back("allow=" + allow);
  argv.push_back("deny=all");
  return argv;
}

std::vector<std::string> ip_filter_probe_argv(const std::string& nbdkit) {
  return {nbdkit, "-U", "-", "--filter=ip", "null", "allow=127.0.0.1", "deny=all", "--run", "true"};
}

bool valid_address(const std::string& addr) {
  unsigned char buf[16];
  return inet_pton(AF_INET, addr.c_str(), buf) == 1 || inet_pton(AF_INET6, addr.c_str(), buf) == 1;
}

namespace {
const char* kUsage = ": see netraid serve --help";
}

std::variant<ServeRequest, std::string> parse_serve_args(std::span<const std::string> args) {
  static const common::OptionSpec spec{.values = {"--device", "--listen", "--port", "--allow", "--size"},
                                       .flags = {"--stop", "--status", "--direct", "--takeover", "--tls", "--drop"},
                                       .repeatable = {"--allow"},
                                       .aliases = {{"-d", "--device"}}};
  common::ParsedOptions p;
  try {
    p = common::parse_options(args, spec);
  } catch (const common::OptionError& e) {
    using enum common::OptionError::Kind;
    if (e.kind == kUnknown) return "netraid serve: unknown option " + e.word + kUsage;
    if (e.kind == kNeedsValue) return "netraid serve: " + e.option + " needs a value" + kUsage;
    return "netraid serve: " + std::string(e.what()) + kUsage;
  }
  ServeRequest req;
  if (p.flags.count("--stop") && p.flags.count("--status"))
    return "netraid serve: --stop and --status exclude each other" + std::string(kUsage);
  req.action = p.flags.count("--stop") ? ServeAction::stop : p.flags.count("--status") ? ServeAction::status
                                                                                        : ServeAction::start;
  if (!p.positional.empty()) {
    if (auto problem = common::tag_problem(p.positional[0])) return "netraid serve: " + *problem;
    req.opts.tag = p.positional[0];
  }
  if (p.positional.size() > 1)
    return "netraid serve: unexpected argument " + p.positional[1] + ": give one TAG" + kUsage;
  if (const auto v = p.value("--device")) {
    if (v->empty()) return "netraid serve: --device is empty: give the target disk, e.g. --device /dev/sdb";
    req.opts.device = *v;
  }
  if (const auto v = p.value("--listen")) {
    if (!valid_address(*v))
      return "netraid serve: --listen " + *v + ": not a numeric IP address: give e.g. --listen 10.0.0.2";
    req.opts.listen = *v;
  }
  if (const auto v = p.value("--port")) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), port);
    if (ec != std::errc() || end != v->data() + v->size() || port == 0 || port > 65535)
      return "netraid serve: --port " + *v + ": not a port: give 1-65535 (default 10809)";
    req.opts.port = static_cast<uint16_t>(port);
  }
  if (const auto it = p.values.find("--allow"); it != p.values.end()) {
    for (const auto& v : it->second) {
      if (!valid_address(v))
        return "netraid serve: --allow " + v + ": not a numeric IP address: give the mirror source's address";
      req.opts.allow.push_back(v);
    }
  }
  if (const auto v = p.value("--size")) {
    auto s = parse_size(*v);
    if (!s || *s == 0) return "netraid serve: --size " + *v + ": not a size: give bytes or e.g. 10G";
    req.opts.size = s;
  }
  req.opts.direct = p.flags.count("--direct") > 0;
  req.takeover = p.flags.count("--takeover") > 0;
  req.tls = p.flags.count("--tls") > 0;
  req.drop = p.flags.count("--drop") > 0;
  if (req.drop && req.action != ServeAction::stop)
    return "netraid serve: --drop goes with --stop" + std::string(kUsage);
  if (req.opts.tag.empty()) return "netraid serve: TAG is missing" + std::string(kUsage);
  if (req.action != ServeAction::start) {
    if (!req.opts.device.empty() || !req.opts.allow.empty() || !req.opts.listen.empty() || p.has("--port") ||
        req.opts.size || req.opts.direct || req.takeover || req.tls)
      return "netraid serve: --stop/--status take only TAG" + std::string(kUsage);
    return req;
  }
  if (req.opts.device.empty()) return "netraid serve: --device is required: give the target disk" + std::string(kUsage);
  if (req.opts.allow.empty())
    return "netraid serve: --allow is required: give the address of the mirror's source" + std::string(kUsage);
  return req;
}

std::string choose_plugin(const char* env_value, bool build_exists, const std::string& build_path,
                          const std::string& install_path) {
  if (env_value && *env_value) return env_value;
  return build_exists ? build_path : install_path;
}

std::string pid_file_for(const std::string& run_dir, const std::string& tag) {
  return run_dir + "/" + tag + ".pid";
}

bool cmdline_serves(const std::string& cmdline, const std::string& tag) {
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < cmdline.size()) {
    size_t end = cmdline.find('\0', start);
    if (end == std::string::npos) end = cmdline.size();
    argv.push_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  if (argv.empty()) return false;
  const std::string& exe = argv[0];
  const auto slash = exe.rfind('/');
  if (exe.substr(slash == std::string::npos ? 0 : slash + 1) != "nbdkit") return false;
  for (const auto& a : argv)
    if (a == "tag=" + tag) return true;
  return false;
}

}  // namespace netraid::server
