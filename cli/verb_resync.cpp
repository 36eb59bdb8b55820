// SPDX-License-Identifier: GPL-2.0-or-later
// Operator verbs over a mirror's targets: resync, fullresync, pause, resume, set.
#include "cli_support.hpp"
#include "netraid/mirror/config_store.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/mirror/resync_ops.hpp"
#include "netraid/mirror/resync_rate.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

// TAG, then the targets named (none = every target).
std::vector<std::string> hosts_after_tag(const cli::ParsedArgs& a, const char* verb) {
  if (a.positional.empty())
    throw cli::ArgsError(std::string(verb) + ": give TAG and optionally targets: netraid " + verb + " TAG [HOST...]");
  return {a.positional.begin() + 1, a.positional.end()};
}

int run_resync(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid resync TAG\n"
                            "  Brings every target of TAG back into the mirror: reconnects lost targets and\n"
                            "  re-adds them so md copies only what its write-intent bitmap marks; a target whose\n"
                            "  disk the bitmap cannot describe (new, replaced) gets a full resync.\n"))
    return cli::kOk;
  return cli::run_verb("resync", [&] {
    auto a = cli::parse_args("resync", args, {}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("resync: give exactly one TAG");
    mirror::Context ctx(settings::load());
    auto m = ctx.store.load(a.positional[0]);
    const int mirroring = mirror::resync_pass(ctx, m);
    const int targets = static_cast<int>(m.systems.size()) - 1;
    std::printf("%s: %d of %d target(s) mirroring\n", m.tag.c_str(), mirroring, targets);
    return mirroring == targets ? cli::kOk : cli::kFailed;
  });
}

int run_fullresync(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid fullresync TAG [HOST...]\n"
                            "  Copies the whole disk to each HOST (default: every target), whatever the bitmap says.\n"))
    return cli::kOk;
  return cli::run_verb("fullresync", [&] {
    auto a = cli::parse_args("fullresync", args, {}, {});
    const auto hosts = hosts_after_tag(a, "fullresync");
    mirror::fullresync(mirror::Context(settings::load()), a.positional[0], hosts);
    return cli::kOk;
  });
}

int run_pause(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid pause TAG [HOST...]\n"
                            "  Stops replicating to each HOST (default: every target). Writes are tracked in the bitmap;\n"
                            "  'netraid resume' resyncs only what changed. Each target's copy is released there, readable\n"
                            "  with mount -o ro,noload (pause prints the loop device).\n"))
    return cli::kOk;
  return cli::run_verb("pause", [&] {
    auto a = cli::parse_args("pause", args, {}, {});
    const auto hosts = hosts_after_tag(a, "pause");
    mirror::pause(mirror::Context(settings::load()), a.positional[0], hosts);
    return cli::kOk;
  });
}

int run_resume(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid resume TAG [HOST...]\n"
                            "  Resumes replication to each HOST (default: every paused target) with a partial resync;\n"
                            "  a full one for a target whose released copy was written to meanwhile.\n"))
    return cli::kOk;
  return cli::run_verb("resume", [&] {
    auto a = cli::parse_args("resume", args, {}, {});
    const auto hosts = hosts_after_tag(a, "resume");
    mirror::resume(mirror::Context(settings::load()), a.positional[0], hosts);
    return cli::kOk;
  });
}

int run_set(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid set TAG [--speed-limit KB/s] [--speed-limit-min KB/s]\n"
                            "       netraid set TAG --tunable KEY=VALUE [--tunable KEY=VALUE...]\n"
                            "  Resync rate limits of the mirror's running array (md's sync_speed_max / sync_speed_min;\n"
                            "  DataKeeper's LKDR_SPEED_LIMIT and LKDR_SPEED_LIMIT_MIN). 0 = the system default.\n"
                            "  --tunable: the mirror's own value of a DataKeeper tunable, kept in its config on every\n"
                            "  system (over /etc/default/LifeKeeper, under the environment); KEY= drops it. Keys:\n"
                            "  LKDR_SPEED_LIMIT, LKDR_SPEED_LIMIT_MIN, LKDR_NO_FULL_SYNC,\n"
                            "  LKDR_CONNECT_NBD_DURING_RESTORE, LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT.\n"))
    return cli::kOk;
  return cli::run_verb("set", [&] {
    auto a = cli::parse_args("set", args, {"--speed-limit", "--speed-limit-min", "--tunable"}, {}, {"--tunable"});
    if (a.positional.size() != 1) throw cli::ArgsError("set: give exactly one TAG");
    const bool speed = a.has("--speed-limit") || a.has("--speed-limit-min");
    if (a.has("--tunable")) {
      if (speed)
        throw cli::ArgsError(
            "set: give either --speed-limit/--speed-limit-min (the running array) or --tunable (the mirror's config), "
            "not both");
      mirror::TunableChanges changes;
      for (const auto& given : a.repeated["--tunable"]) {
        const auto eq = given.find('=');
        if (eq == std::string::npos || eq == 0)
          throw cli::ArgsError("set: --tunable " + common::quoted(given) +
                               " is not KEY=VALUE: give e.g. --tunable LKDR_SPEED_LIMIT=50000 (KEY= drops it)");
        changes.emplace_back(given.substr(0, eq), given.substr(eq + 1));
      }
      mirror::Context ctx(settings::load());
      for (const auto& line : mirror::set_tunables(ctx, a.positional[0], changes)) std::printf("%s\n", line.c_str());
      return cli::kOk;
    }
    if (!speed)
      throw cli::ArgsError(
          "set: nothing to set: give --speed-limit KB/s and/or --speed-limit-min KB/s, or --tunable KEY=VALUE");
    // Every value is checked before the first write: a refusal changes nothing.
    mirror::SpeedRequest request;
    for (const auto& [option, value] : {std::pair{"--speed-limit", &request.max_kbs},
                                        std::pair{"--speed-limit-min", &request.min_kbs}})
      if (a.has(option)) *value = cli::parse_number(option, a.values[option], 0, 100'000'000);
    mirror::Context ctx(settings::load());
    for (const auto& [attribute, value] : mirror::set_speed_limits(ctx, a.positional[0], request))
      std::printf("%s: %s = %s\n", a.positional[0].c_str(), attribute.c_str(), value.c_str());
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("resync", kReplication, "reconnect and resync every target of a mirror (partial through the bitmap)", run_resync);
NETRAID_VERB("fullresync", kReplication, "copy the whole disk to a target (or all)", run_fullresync);
NETRAID_VERB("pause", kReplication, "stop replicating to a target; writes are tracked in the bitmap", run_pause);
NETRAID_VERB("resume", kReplication, "resume replication with a partial resync", run_resume);
NETRAID_VERB("set", kReplication, "set resync speed limits of a mirror, or its own DataKeeper tunables", run_set);
