// SPDX-License-Identifier: GPL-2.0-or-later
// The target side of pause and resume (issue 15): `release` offers a paused
// target's copy on its own system, `reclaim` takes it back before the source
// resumes (released_copy.hpp). Run by the source through remote exec.
#include <cstdio>

#include "cli_support.hpp"
#include "netraid/mirror/released_copy.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

int run_release(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid release TAG\n"
                            "  Run by TAG's source on a target it paused: stops the server and offers the leg's data\n"
                            "  as a loop device (printed), readable here: mount -o ro,noload LOOP DIR.\n"))
    return cli::kOk;
  return cli::run_verb("release", [&] {
    auto a = cli::parse_args("release", args, {}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("release: give exactly one TAG: netraid release TAG");
    mirror::Context ctx(settings::load());
    cli::say_on_stderr(ctx);
    std::printf("%s\n", released::release_copy(ctx, a.positional[0]).c_str());
    return cli::kOk;
  });
}

int run_reclaim(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid reclaim TAG [--check]\n"
                            "  Run by TAG's source before it resumes a paused target: refuses (exit 3) while the\n"
                            "  released copy is mounted here, else removes its loop device and says whether anything\n"
                            "  wrote to the leg meanwhile (then the resync is full). --check: only whether it is in use.\n"))
    return cli::kOk;
  return cli::run_verb("reclaim", [&] {
    auto a = cli::parse_args("reclaim", args, {}, {"--check"});
    if (a.positional.size() != 1) throw cli::ArgsError("reclaim: give exactly one TAG: netraid reclaim TAG [--check]");
    mirror::Context ctx(settings::load());
    cli::say_on_stderr(ctx);
    if (const auto j = released::reclaim_copy(ctx, a.positional[0], a.has("--check")))
      std::printf("its released copy: %s (%s)\n", released::to_string(j->exposure), j->reason.c_str());
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("release", kBetweenSystems, "offer a paused target's copy on its own system (run by the source)", run_release);
NETRAID_VERB("reclaim", kBetweenSystems, "take a released copy back before resume (run by the source)", run_reclaim);
