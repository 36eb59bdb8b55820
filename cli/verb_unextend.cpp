// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_support.hpp"

namespace {
const char* kUsageText =
    "usage: netraid unextend TAG HOST\n"
    "  Stops replicating mirror TAG to HOST: removes its leg, detaches the NBD device, stops the\n"
    "  server there. The data on HOST stays as it was.\n";

int run_unextend(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("unextend", [&] {
    auto a = cli::parse_args("unextend", args, {}, {});
    if (a.positional.size() != 2) throw cli::ArgsError("unextend: give TAG and HOST: netraid unextend TAG HOST");
    mirror::Context ctx(settings::load());
    mirror::unextend(ctx, a.positional[0], a.positional[1]);
    return cli::kOk;
  });
}

const char* kDeleteUsage =
    "usage: netraid delete TAG [--force]\n"
    "  Deletes mirror TAG: stops the array, detaches every target, stops their servers and forgets\n"
    "  the configuration. Refuses while mounted unless --force (which unmounts). Data stays on disk.\n";

int run_delete(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kDeleteUsage)) return cli::kOk;
  return cli::run_verb("delete", [&] {
    auto a = cli::parse_args("delete", args, {}, {"--force"});
    if (a.positional.size() != 1) throw cli::ArgsError("delete: give exactly one TAG: netraid delete TAG");
    mirror::Context ctx(settings::load());
    mirror::remove_mirror(ctx, a.positional[0], a.has("--force"));
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("unextend", kLifecycle, "stop replicating a mirror to one target", run_unextend);
NETRAID_VERB("delete", kLifecycle, "delete a mirror (refuses while mounted unless --force)", run_delete);
