// SPDX-License-Identifier: GPL-2.0-or-later
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli_support.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/observe.hpp"
#include "netraid/mirror/progress.hpp"

namespace {
const char* kUsageText =
    "usage: netraid wait TAG [--timeout SECONDS]\n"
    "  Blocks until mirror TAG is in sync on every leg, showing the resync's progress, rate and ETA\n"
    "  (a bar on a terminal, plain lines otherwise). Exit 0 in sync, 1 degraded with nothing to wait\n"
    "  for (a target is out of sync: see 'netraid status'), 3 timed out. Once in sync, the targets\n"
    "  are recorded in_sync (TAG_targets here, TAG_sync_state there): each may take over.\n";

int run_wait(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("wait", [&]() -> int {
    auto a = cli::parse_args("wait", args, {"--timeout"}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("wait: give exactly one TAG: netraid wait TAG");
    const auto timeout = a.has("--timeout") ? cli::parse_number("--timeout", a.values["--timeout"], 1, 86400 * 30) : 0;
    mirror::Context ctx(settings::load());
    auto m = ctx.store.load(a.positional[0]);
    if (!mirror::mirror_active(ctx, m, ctx.settings.node_name))
      throw mirror::OpError("mirror " + m.tag + " is not in service on this system: wait on its source");
    const bool tty = isatty(STDOUT_FILENO);
    const auto start = std::chrono::steady_clock::now();
    progress::RateEstimator rate;
    auto end_line = [&] {
      if (tty) std::printf("\n");
    };
    // md is sampled often so that the wait ends within a tenth of a second of
    // the resync (a benchmark times extend/resume + wait); the progress is
    // drawn at a reader's pace.
    constexpr auto kSample = std::chrono::milliseconds(100);
    const auto draw_every = std::chrono::milliseconds(tty ? 250 : 1000);
    // md may take a moment to start a recovery after a leg was added.
    constexpr auto kIdleGrace = std::chrono::seconds(10);
    auto last_draw = start - draw_every;
    bool idle = false;
    auto idle_since = start;
    for (;;) {
      status::ResyncSample s;
      // wait takes no lock: delete/remove may stop the array meanwhile.
      try {
        if (!mirror::mirror_active(ctx, m, ctx.settings.node_name)) throw mirror::OpError("stopped");
        s = status::sample_resync(ctx, m);
      } catch (const mirror::OpError&) {
        end_line();
        throw mirror::OpError("mirror " + m.tag + " was deleted or stopped while waiting: see 'netraid status " + m.tag + "'");
      }
      const bool syncing = s.syncing();
      if (!syncing && s.degraded == 0) {
        end_line();
        failover::record_target_states(ctx, m);  // the targets may take over from now on
        std::printf("%s: in sync on all legs\n", m.tag.c_str());
        return cli::kOk;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!syncing && !idle) idle_since = now;
      idle = !syncing;
      if (idle && now - idle_since > kIdleGrace) {
        end_line();
        std::fprintf(stderr,
                     "netraid: wait: mirror %s is degraded (%u leg(s) missing) and nothing is resyncing: see "
                     "'netraid status %s'\n",
                     m.tag.c_str(), s.degraded, m.tag.c_str());
        return cli::kFailed;
      }
      const double elapsed = std::chrono::duration<double>(now - start).count();
      if (syncing && s.total_sectors > 0 && now - last_draw >= draw_every) {
        last_draw = now;
        rate.add(elapsed, s.done_sectors * 512);  // at the drawing pace: the rate's window spans seconds
        progress::ProgressView view{s.done_sectors * 512, s.total_sectors * 512, elapsed, rate.bytes_per_second()};
        if (tty)
          std::printf("\r%s: %s %s", m.tag.c_str(), s.action.c_str(), progress::render_bar_line(view, 60).c_str());
        else
          std::printf("%s\n", progress::render_plain_line(m.tag, s.action, view).c_str());
        std::fflush(stdout);
      }
      if (timeout && now - start > std::chrono::seconds(timeout)) {
        end_line();
        std::fprintf(stderr, "netraid: wait: mirror %s not in sync after %llu s\n", m.tag.c_str(),
                     static_cast<unsigned long long>(timeout));
        return 3;
      }
      std::this_thread::sleep_for(kSample);
    }
  });
}
}  // namespace

NETRAID_VERB("wait", kLifecycle, "wait until a mirror is in sync, showing progress", run_wait);
