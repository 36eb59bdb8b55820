// SPDX-License-Identifier: GPL-2.0-or-later
// Verbs the source runs on a target through remote exec.
#include "cli_support.hpp"
#include "netraid/mirror/config_store.hpp"
#include "netraid/mirror/link_key.hpp"

namespace {

const char* kNodeInfoUsage =
    "usage: netraid node-info [--json]\n"
    "  Prints this system's name (node_name of netraid.json, else the hostname), its first\n"
    "  IPv4 address and netraid's version. extend runs it on a target through remote exec.\n";
const char* kImportUsage =
    "usage: netraid config-import JSON\n"
    "  Stores the mirror configuration JSON (one argument) as TAG.json in the config directory\n"
    "  (/etc/netraid) after validating it. extend runs it on each new target through remote exec.\n";
const char* kForgetUsage =
    "usage: netraid config-forget TAG\n"
    "  Removes TAG.json and the key TAG.psk from the config directory (/etc/netraid). unextend and\n"
    "  delete run it on a target.\n";

int run_node_info(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kNodeInfoUsage)) return cli::kOk;
  return cli::run_verb("node-info", args, [&] {
    auto a = cli::parse_args("node-info", args, {}, {"--json"});
    mirror::Context ctx(settings::load());
    if (a.has("--json"))
      std::printf("%s\n", mirror::node_info_json(ctx, NETRAID_VERSION).c_str());
    else
      std::printf("node %s address %s netraid %s\n", ctx.settings.node_name.c_str(), mirror::first_global_ipv4().c_str(),
                  NETRAID_VERSION);
    return cli::kOk;
  });
}

int run_config_import(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kImportUsage)) return cli::kOk;
  return cli::run_verb("config-import", [&] {
    auto a = cli::parse_args("config-import", args, {}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("config-import: give the mirror's JSON document as one argument");
    mirror::import_config(mirror::Context(settings::load()), a.positional[0]);
    return cli::kOk;
  });
}

int run_config_forget(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kForgetUsage)) return cli::kOk;
  return cli::run_verb("config-forget", [&] {
    auto a = cli::parse_args("config-forget", args, {}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("config-forget: give the TAG");
    if (auto e = config::validate_tag(a.positional[0]); !e.empty()) throw cli::ArgsError("config-forget: " + e);
    const auto s = settings::load();
    config::Store(s.conf_dir).remove(a.positional[0]);
    link_key::forget(s, a.positional[0]);
    return cli::kOk;
  });
}

}  // namespace

NETRAID_VERB("node-info", kBetweenSystems, "print this system's name and address (used by extend)", run_node_info);
NETRAID_VERB("config-import", kBetweenSystems, "store a mirror's configuration given as JSON (used by extend)", run_config_import);
NETRAID_VERB("config-forget", kBetweenSystems, "forget a mirror's configuration (used by unextend/delete)", run_config_forget);
