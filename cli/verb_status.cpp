// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_support.hpp"
#include "netraid/mirror/mirror_status.hpp"
#include "netraid/mirror/observe.hpp"

namespace {
const char* kUsageText =
    "usage: netraid status [TAG] [--json]\n"
    "  Shows each mirror (or TAG) as this system sees it: its role, the array, and per system the\n"
    "  DataKeeper status (Source (ISP), Target, Resyncing n%, Out of Sync, Paused, Unknown).\n"
    "  Exit status as 'mdadm --detail --test': 0 all in sync, 1 degraded, 2 unusable, 4 no\n"
    "  information (several mirrors: the codes OR-ed). JSON schema: docs/netraid-status.md.\n";

int run_status(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("status", args, [&] {
    auto a = cli::parse_args("status", args, {}, {"--json"});
    if (a.positional.size() > 1) throw cli::ArgsError("status: give at most one TAG");
    mirror::Context ctx(settings::load());
    // stdout is the report (JSON for machines): progress lines go to stderr.
    cli::say_on_stderr(ctx);
    std::vector<config::MirrorConfig> mirrors;
    if (a.positional.empty())
      mirrors = ctx.store.list();
    else
      mirrors.push_back(ctx.store.load(a.positional[0]));
    const auto all = status::observe_mirrors(ctx, mirrors);
    if (a.has("--json")) {
      std::printf("%s", status::render_json(all).c_str());
    } else if (all.empty()) {
      std::printf("no mirrors on this system (configs in %s)\n", ctx.settings.conf_dir.c_str());
    } else {
      for (std::size_t i = 0; i < all.size(); ++i)
        std::printf("%s%s", i ? "\n" : "", status::render_human(all[i]).c_str());
    }
    return status::combined_health(all);
  });
}
}  // namespace

NETRAID_VERB("status", kLifecycle, "show mirrors, their targets and resync progress (--json for machines)", run_status);
