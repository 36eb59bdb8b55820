// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor on the source: every INTERVAL seconds (and at once when md
// reports a change) each mirror in service here gets a resync pass, so a lost
// target is reconnected and resynced without an operator. Safe to restart at
// any time: every decision is taken from what is observed now.
#include <poll.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>

#include "cli_support.hpp"
#include "netraid/mirror/mirror_lock.hpp"
#include "netraid/mirror/reconnect_backoff.hpp"
#include "netraid/mirror/resync_ops.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

std::string now_text() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

// Sleeps up to `seconds`, waking early when md signals a change of an array's
// degraded count or sync action (sysfs attributes md notifies with poll).
void wait_for_md_event(const std::vector<std::string>& md_names, int seconds) {
  std::vector<pollfd> fds;
  for (const auto& name : md_names) {
    for (const char* attr : {"degraded", "sync_action"}) {
      int fd = ::open(("/sys/block/" + name + "/md/" + attr).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      char buf[64];
      (void)!::read(fd, buf, sizeof buf);  // arm the notification
      fds.push_back({fd, POLLPRI | POLLERR, 0});
    }
  }
  ::poll(fds.data(), fds.size(), seconds * 1000);
  for (auto& p : fds) ::close(p.fd);
}

int run_monitor(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid monitor [--interval SECONDS] [--once]\n"
                            "  Supervises every mirror in service on this system: reconnects lost targets (after\n"
                            "  the interval, then doubling up to 60 s while one stays unreachable) and resyncs them\n"
                            "  (partial through the bitmap, full when it cannot tell).\n"
                            "  Logs each action with its reason on stdout. --once: one pass, then exit.\n"))
    return cli::kOk;
  return cli::run_verb("monitor", [&] {
    auto a = cli::parse_args("monitor", args, {"--interval"}, {"--once"});
    const int interval = static_cast<int>(a.has("--interval") ? cli::parse_number("--interval", a.values["--interval"], 1, 3600) : 10);
    mirror::Context ctx(settings::load());
    ctx.say = [](const std::string& line) {
      std::printf("%s netraid-monitor: %s\n", now_text().c_str(), line.c_str());
      std::fflush(stdout);
    };
    ctx.say("started (interval " + std::to_string(interval) + " s)");
    // A target that stays unreachable is tried again after the interval, then
    // twice as long each time, up to a minute (or the interval when longer):
    // a flapping target costs little, a returning one waits at most that.
    backoff::Schedule schedule(static_cast<unsigned>(interval), std::max(60u, static_cast<unsigned>(interval)));
    auto now = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    };
    const lock::Locker locker(ctx.settings.run_dir);
    for (;;) {
      std::vector<std::string> watched;
      for (const auto& listed : ctx.store.list()) {
        if (!mirror::mirror_active(ctx, listed, ctx.settings.node_name)) continue;
        watched.push_back(mirror::md_name(listed.md_device));
        // A command changing the mirror (extend, delete...) is not waited
        // for: this pass skips it and the next one sees what it left.
        std::optional<lock::MirrorLock> held;
        config::MirrorConfig m;
        try {
          std::string busy;
          held = locker.try_acquire(listed.tag, "monitor", &busy);
          if (!held) {
            ctx.say(busy + ": skipped this pass (next in at most " + std::to_string(interval) + " s)");
            continue;
          }
          m = ctx.store.load(listed.tag);  // as the last holder left it
        } catch (const std::exception& e) {
          ctx.say(listed.tag + ": " + e.what());
          continue;
        }
        if (!mirror::mirror_active(ctx, m, ctx.settings.node_name)) continue;
        mirror::PassOptions options;
        options.may_connect = [&](const std::string& host) { return schedule.may_try(m.tag + "/" + host, now()); };
        options.connect_outcome = [&](const std::string& host, bool ok) {
          const unsigned wait = schedule.record(m.tag + "/" + host, ok, now());
          if (!ok) ctx.say(m.tag + ": " + host + ": next reconnect attempt in " + std::to_string(wait) + " s");
        };
        try {
          mirror::resync_pass(ctx, m, options);
        } catch (const std::exception& e) {
          ctx.say(m.tag + ": " + e.what());
        }
      }
      if (a.has("--once")) return cli::kOk;
      wait_for_md_event(watched, interval);
    }
  });
}
}  // namespace

NETRAID_VERB("monitor", kReplication, "supervise mirrors: reconnect and resync lost targets automatically", run_monitor);
