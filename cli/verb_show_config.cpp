// SPDX-License-Identifier: GPL-2.0-or-later
// netraid show-config: the DataKeeper tunables in force on this system and
// where each came from, and a mirror's configuration.
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "netraid/mirror/config_store.hpp"
#include "netraid/mirror/tunables.hpp"

namespace {
const char* kUsageText =
    "usage: netraid show-config [TAG] [--json]\n"
    "  Prints each tunable netraid honours (LKDR_CHUNK_SIZE, LKDR_SPEED_LIMIT, ... LKCHECKINTERVAL) with its\n"
    "  value and where it came from (default, /etc/default/LifeKeeper, mirror config, environment), the\n"
    "  lines of /etc/default/LifeKeeper netraid could not read, and with TAG the values in force for that\n"
    "  mirror (its own, set with 'netraid set TAG --tunable', over the file's) and its configuration.\n";

int run_show_config(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("show-config", args, [&] {
    auto a = cli::parse_args("show-config", args, {}, {"--json"});
    if (a.positional.size() > 1) throw cli::ArgsError("show-config: give at most one TAG");
    const auto s = settings::load();
    std::optional<config::MirrorConfig> m;
    if (!a.positional.empty()) m = config::Store(s.conf_dir).load(a.positional[0]);
    // With TAG, the values in force for that mirror: its own config's over the file's.
    const auto in_force = m ? tunables::for_mirror(s.tunables, m->tunables, m->tag) : s.tunables;
    if (a.has("--json")) {
      auto out = nlohmann::ordered_json{{"node", s.node_name},
                                        {"tunables", nlohmann::ordered_json::parse(tunables::render_json(in_force))},
                                        {"warnings", s.tunable_warnings}};
      if (m) out["mirror"] = nlohmann::ordered_json::parse(config::render(*m));
      std::printf("%s\n", out.dump().c_str());
      return cli::kOk;
    }
    std::printf("%s", tunables::render_human(in_force).c_str());
    for (const auto& w : s.tunable_warnings) std::printf("warning: %s\n", w.c_str());
    if (m) std::printf("\n%s", config::render(*m).c_str());
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("show-config", kOther, "the tunables in force and where each came from; a mirror's configuration",
             run_show_config);
