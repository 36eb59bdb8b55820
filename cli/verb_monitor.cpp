// SPDX-License-Identifier: GPL-2.0-or-later
// `netraid monitor`: the supervisor (netraid/mirror/monitor.hpp) every
// INTERVAL seconds, and at once when md reports a change; each line it says
// is logged with a time stamp.
#include <ctime>

#include "cli_support.hpp"
#include "netraid/mirror/monitor.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

std::string now_text() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

int run_monitor(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid monitor [--interval SECONDS] [--once]\n"
                            "  SECONDS: default LKCHECKINTERVAL (/etc/default/LifeKeeper), else 10.\n"
                            "  Supervises every mirror in service on this system: reconnects lost targets (after\n"
                            "  the interval, then doubling up to 60 s while one stays unreachable) and resyncs them\n"
                            "  (partial through the bitmap, full when it cannot tell).\n"
                            "  Logs each action with its reason on stdout. --once: one pass, then exit.\n"))
    return cli::kOk;
  return cli::run_verb("monitor", [&] {
    auto a = cli::parse_args("monitor", args, {"--interval"}, {"--once"});
    mirror::Context ctx(settings::load());
    // Default: LKCHECKINTERVAL, else 10 s.
    const int interval = static_cast<int>(a.has("--interval") ? cli::parse_number("--interval", a.values["--interval"], 1, 3600)
                                                              : ctx.settings.tunables.check_interval_s.value);
    ctx.say = [](const std::string& line) {
      std::printf("%s netraid-monitor: %s\n", now_text().c_str(), line.c_str());
      std::fflush(stdout);
    };
    ctx.say("started (interval " + std::to_string(interval) + " s)");
    mirror::Monitor monitor(ctx, static_cast<unsigned>(interval));
    for (;;) {
      const auto watched = monitor.pass();
      if (a.has("--once")) return cli::kOk;
      ctx.system->wait_md_event(watched, interval);
    }
  });
}
}  // namespace

NETRAID_VERB("monitor", kReplication, "supervise mirrors: reconnect and resync lost targets automatically", run_monitor);
