// The supervisor on the source: every INTERVAL seconds (and at once when md
// reports a change) each mirror in service here gets a resync pass, so a lost
// target is reconnected and resynced without an operator. Safe to restart at
// any time: every decision is taken from what is observed now.
#include <poll.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "cli_support.hpp"
#include "resync_ops.hpp"

namespace {
using namespace netraid;

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
                            "  Supervises every mirror in service on this system: reconnects lost targets with\n"
                            "  backoff and resyncs them (partial through the bitmap, full when it cannot tell).\n"
                            "  Logs each action with its reason on stdout. --once: one pass, then exit.\n"))
    return cli::kOk;
  return cli::run_verb("monitor", [&] {
    auto a = cli::parse_args("monitor", args, {"--interval"}, {"--once"});
    const int interval = static_cast<int>(a.has("--interval") ? cli::parse_number("--interval", a.values["--interval"], 1, 3600) : 10);
    ops::Context ctx(settings::load());
    ctx.say = [](const std::string& line) {
      std::printf("%s netraid-monitor: %s\n", now_text().c_str(), line.c_str());
      std::fflush(stdout);
    };
    ctx.say("started (interval " + std::to_string(interval) + " s)");
    for (;;) {
      std::vector<std::string> watched;
      for (const auto& m : ctx.store.list()) {
        if (!ops::mirror_active(m, ctx.settings.node_name)) continue;
        watched.push_back(ops::md_name(m.md_device));
        try {
          ops::resync_pass(ctx, m);
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

NETRAID_VERB("monitor", "supervise mirrors: reconnect and resync lost targets automatically", run_monitor);
