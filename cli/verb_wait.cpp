#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli_support.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"

namespace {
const char* kUsageText =
    "usage: netraid wait TAG [--timeout SECONDS]\n"
    "  Blocks until mirror TAG is in sync on every leg, showing the resync's progress, rate and ETA\n"
    "  (a bar on a terminal, plain lines otherwise). Exit 0 in sync, 1 degraded with nothing to wait\n"
    "  for (a target is out of sync: see 'netraid status'), 3 timed out.\n";

struct Sample {
  std::string action;    // idle, resync, recover, check, frozen ...
  std::uint64_t done = 0, total = 0;  // sectors
  unsigned degraded = 0;
};

Sample sample(const netraid::mdadm::MdSysfs& md) {
  Sample s;
  s.action = md.read("sync_action");
  s.degraded = static_cast<unsigned>(std::stoul(md.read("degraded")));
  auto completed = md.read("sync_completed");  // "123 / 456" or "none"
  if (auto slash = completed.find('/'); slash != std::string::npos) {
    s.done = std::stoull(completed.substr(0, slash));
    s.total = std::stoull(completed.substr(slash + 1));
  }
  return s;
}

int run_wait(std::span<const std::string> args) {
  using namespace netraid;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("wait", [&]() -> int {
    auto a = cli::parse_args("wait", args, {"--timeout"}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("wait: give exactly one TAG: netraid wait TAG");
    const auto timeout = a.has("--timeout") ? cli::parse_number("--timeout", a.values["--timeout"], 1, 86400 * 30) : 0;
    ops::Context ctx(settings::load());
    auto m = ctx.store.load(a.positional[0]);
    if (!ops::md_active(m.md_device))
      throw ops::OpError("mirror " + m.tag + " is not in service on this system: wait on its source");
    mdadm::MdSysfs md(ops::md_name(m.md_device));
    const bool tty = isatty(STDOUT_FILENO);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t last_done = 0;
    auto last_time = start;
    for (int idle_rounds = 0;;) {
      auto s = sample(md);
      const bool syncing = s.action != "idle" && s.action != "frozen";
      if (!syncing && s.degraded == 0) {
        if (tty) std::printf("\n");
        std::printf("%s: in sync on all legs\n", m.tag.c_str());
        return cli::kOk;
      }
      // md may take a moment to start a recovery after a leg was added.
      if (!syncing && ++idle_rounds > 10) {
        if (tty) std::printf("\n");
        std::fprintf(stderr, "netraid: wait: mirror %s is degraded (%u leg(s) missing) and nothing is resyncing: see 'netraid status %s'\n",
                     m.tag.c_str(), s.degraded, m.tag.c_str());
        return cli::kFailed;
      }
      const auto now = std::chrono::steady_clock::now();
      if (syncing && s.total > 0) {
        idle_rounds = 0;
        const double secs = std::chrono::duration<double>(now - last_time).count();
        const double rate = secs > 0 && s.done >= last_done ? static_cast<double>(s.done - last_done) * 512.0 / secs / 1e6 : 0;
        const double pct = 100.0 * static_cast<double>(s.done) / static_cast<double>(s.total);
        const double eta = rate > 0 ? static_cast<double>(s.total - s.done) * 512.0 / 1e6 / rate : 0;
        if (tty) {
          const int width = 30, filled = static_cast<int>(pct / 100 * width);
          std::printf("\r%s: %s [%s%s] %5.1f%% %7.1f MB/s ETA %4.0f s ", m.tag.c_str(), s.action.c_str(),
                      std::string(static_cast<std::size_t>(filled), '=').c_str(),
                      std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), pct, rate, eta);
        } else {
          std::printf("%s: %s %.1f%% (%llu/%llu KiB) %.1f MB/s ETA %.0f s\n", m.tag.c_str(), s.action.c_str(), pct,
                      static_cast<unsigned long long>(s.done / 2), static_cast<unsigned long long>(s.total / 2), rate,
                      eta);
        }
        std::fflush(stdout);
        last_done = s.done;
        last_time = now;
      }
      if (timeout && now - start > std::chrono::seconds(timeout)) {
        if (tty) std::printf("\n");
        std::fprintf(stderr, "netraid: wait: mirror %s not in sync after %llu s\n", m.tag.c_str(),
                     static_cast<unsigned long long>(timeout));
        return 3;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 250 : 1000));
    }
  });
}
}  // namespace

NETRAID_VERB("wait", "wait until a mirror is in sync, showing progress", run_wait);
