// SPDX-License-Identifier: GPL-2.0-or-later
// Failover verbs (issue 7): restore, remove, quickcheck, force — what the
// LifeKeeper scripts in scripts/netraid/ call — and the two verbs systems
// of a mirror run on each other: flags-report and flags-set.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/service.hpp"
#include "netraid/mirror/failover_plan.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/verb_error.hpp"
#include "netraid/flags/flag_error.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

std::string one_tag(const cli::ParsedArgs& a, const char* verb) {
  if (a.positional.size() != 1)
    throw cli::ArgsError(std::string(verb) + ": give exactly one TAG: netraid " + verb + " TAG");
  return a.positional[0];
}

int run_restore(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid restore TAG [--force] [--json]\n"
                            "  Brings TAG in service on this system if its flags and the reachable systems allow it\n"
                            "  (docs/failover.md): assembles the local leg alone, mounts, then reconnects and\n"
                            "  resyncs the targets. Already in service: success. Refused: one line why, exit 10-19 by class\n"
                            "  (netraid(8) EXIT STATUS). --json: one JSON object on stdout, also when refused.\n"))
    return cli::kOk;
  return cli::run_verb("restore", args, [&]() -> int {
    auto a = cli::parse_args("restore", args, {}, {"--force", "--json"});
    mirror::Context ctx(settings::load());
    // With --json stdout is the one object: progress lines go to stderr.
    if (a.has("--json")) cli::say_on_stderr(ctx);
    const auto tag = one_tag(a, "restore");
    flags::ServiceAction action;
    try {
      action = failover::restore(ctx, tag, a.has("--force"));
    } catch (const failover::Refused& r) {
      if (!a.has("--json")) throw;
      // A cluster agent reads why, and whom it is about, from the object.
      const auto& d = r.decision;
      std::printf("%s\n", nlohmann::json{{"tag", tag},
                                          {"node", ctx.settings.node_name},
                                          {"in_service", false},
                                          {"refused", failover::refusal_class(d.action)},
                                          {"reason", d.reason},
                                          {"advice", r.advice},
                                          {"peer", d.peer},
                                          {"unreachable", d.unreachable},
                                          {"seconds_left", d.seconds_left},
                                          {"exit_code", r.exit_code}}
                              .dump()
                              .c_str());
      common::report_failure(std::string("restore: ") + r.what(), r.exit_code, /*json=*/false);
      return r.exit_code;
    }
    const bool already = action == flags::ServiceAction::AlreadyInService;
    if (a.has("--json"))
      std::printf("%s\n", nlohmann::json{{"tag", tag},
                                          {"node", ctx.settings.node_name},
                                          {"in_service", true},
                                          {"already_in_service", already},
                                          {"exit_code", cli::kOk}}
                              .dump()
                              .c_str());
    else
      std::printf("netraid: restore: %s %s on %s\n", tag.c_str(), already ? "was already in service" : "in service",
                  ctx.settings.node_name.c_str());
    return cli::kOk;
  });
}

int run_force(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid force TAG --yes\n"
                            "  Force Mirror Online: deletes TAG_data_corrupt and brings TAG in service on this\n"
                            "  system with the data it holds; other systems' newer writes are discarded.\n"))
    return cli::kOk;
  return cli::run_verb("force", [&] {
    auto a = cli::parse_args("force", args, {}, {"--yes"});
    const auto tag = one_tag(a, "force");
    if (!a.has("--yes"))
      throw mirror::UsageError("WARNING: force brings " + tag +
                            " in service HERE with this system's data and DISCARDS writes only other systems "
                            "hold; check " + tag + "_last_owner on every system, then run 'netraid force " + tag +
                            " --yes'");
    mirror::Context ctx(settings::load());
    const auto action = failover::restore(ctx, tag, true);
    std::printf("netraid: force: %s\n", std::string(flags::to_string(action)).c_str());
    return cli::kOk;
  });
}

int run_remove(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid remove TAG [--filesystem-only]\n"
                            "  Takes TAG out of service on this system: unmounts, stops the array, detaches the\n"
                            "  targets' NBD devices, clears TAG_last_owner. The data stays on every disk; restore brings\n"
                            "  TAG back here (stop/start) or on an in-sync target (switchover).\n"
                            "  --filesystem-only: only unmount (the file system resource above the mirror).\n"))
    return cli::kOk;
  return cli::run_verb("remove", [&] {
    auto a = cli::parse_args("remove", args, {}, {"--filesystem-only"});
    mirror::Context ctx(settings::load());
    failover::remove(ctx, one_tag(a, "remove"), a.has("--filesystem-only"));
    return cli::kOk;
  });
}

int run_quickcheck(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid quickcheck TAG [--no-filesystem]\n"
                            "  Fast: exit 0 when TAG is in service and healthy on this system, else exit 1 and one\n"
                            "  line saying what is wrong. Changes nothing but the targets' recorded sync state\n"
                            "  (a resync that ended makes its target in_sync, as wait and status do).\n"))
    return cli::kOk;
  return cli::run_verb("quickcheck", [&] {
    auto a = cli::parse_args("quickcheck", args, {}, {"--no-filesystem"});
    mirror::Context ctx(settings::load());
    const auto problem = failover::quickcheck(ctx, one_tag(a, "quickcheck"), !a.has("--no-filesystem"));
    if (problem.empty()) return cli::kOk;
    std::fprintf(stderr, "netraid: quickcheck: %s\n", problem.c_str());
    return cli::kFailed;
  });
}

int run_flags_report(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid flags-report TAG\n"
                            "  This system's failover flags and leg of TAG as JSON (run by other systems).\n"))
    return cli::kOk;
  return cli::run_verb("flags-report", [&] {
    auto a = cli::parse_args("flags-report", args, {}, {});
    mirror::Context ctx(settings::load());
    std::printf("%s", failover::local_report(ctx, one_tag(a, "flags-report")).c_str());
    return cli::kOk;
  });
}

int run_flags_set(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid flags-set TAG --source NODE --sync-state in_sync|resyncing|out_of_sync\n"
                            "                         [--generation HEX[,HEX...]]\n"
                            "  Run by TAG's source on a target: records the target's state as the source sees it.\n"))
    return cli::kOk;
  return cli::run_verb("flags-set", [&] {
    auto a = cli::parse_args("flags-set", args, {"--source", "--sync-state", "--generation"}, {});
    const auto tag = one_tag(a, "flags-set");
    if (!a.values.count("--source") || !a.values.count("--sync-state"))
      throw cli::ArgsError("flags-set: give --source NODE and --sync-state STATE");
    flags::SyncState state;
    try {
      state = flags::parse_sync_state(a.values.at("--sync-state") + "\n");
    } catch (const flags::FlagError&) {
      throw cli::ArgsError("flags-set: --sync-state " + common::quoted(a.values.at("--sync-state")) +
                           " is not in_sync, resyncing or out_of_sync");
    }
    mirror::Context ctx(settings::load());
    failover::set_target_flags(ctx, tag, a.values.at("--source"), state, a.value_or("--generation", ""));
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("restore", kFailover, "bring a mirror in service on this system (failover; LifeKeeper restore)", run_restore);
NETRAID_VERB("remove", kFailover, "take a mirror out of service on this system (LifeKeeper remove)", run_remove);
NETRAID_VERB("quickcheck", kFailover, "is the mirror in service and healthy here? (LifeKeeper quickCheck)", run_quickcheck);
NETRAID_VERB("force", kFailover, "Force Mirror Online: clear data_corrupt and bring the mirror in service here", run_force);
NETRAID_VERB("flags-report", kBetweenSystems, "this system's failover flags of a mirror as JSON (used by other systems)", run_flags_report);
NETRAID_VERB("flags-set", kBetweenSystems, "record a target's state as its source sees it (run by the source)", run_flags_set);
