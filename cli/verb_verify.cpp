// SPDX-License-Identifier: GPL-2.0-or-later
// netraid verify: compare the legs of a mirror in service (md's check or
// repair), with wait's progress display and a one-line verdict.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

#include "cli_support.hpp"
#include "netraid/mirror/progress.hpp"
#include "netraid/mirror/verify.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

const char* kUsageText =
    "usage: netraid verify TAG [--repair] [--timeout SECONDS] [--no-regions]\n"
    "  Compares the legs of mirror TAG in service, mounted, with md's check (throttled by the\n"
    "  resync speed limits), showing its progress; then one line: identical, or how many sectors\n"
    "  differ and where. --repair: md's repair, which copies this system's leg (the source's) over\n"
    "  the targets' where they differ. Refused on a degraded, resyncing or paused mirror.\n"
    "  Exit 0 identical, 1 the legs differed (repaired with --repair), 3 not verified.\n";

volatile std::sig_atomic_t stop_signal = 0;
void on_signal(int) { stop_signal = 1; }

int run_verify(std::span<const std::string> args) {
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("verify", [&]() -> int {
    auto a = cli::parse_args("verify", args, {"--timeout"}, {"--repair", "--no-regions"});
    if (a.positional.size() != 1) throw cli::ArgsError("verify: give exactly one TAG: netraid verify TAG");
    verify::Request request;
    request.tag = a.positional[0];
    request.repair = a.has("--repair");
    request.locate = !a.has("--no-regions");
    if (a.has("--timeout")) request.timeout_seconds = cli::parse_number("--timeout", a.values["--timeout"], 1, 86400 * 30);
    mirror::Context ctx(settings::load());

    // Ctrl-C or a TERM stops md's check too (it would run on in the kernel).
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    request.stop_requested = [] { return stop_signal != 0; };

    const bool tty = isatty(STDOUT_FILENO);
    const auto start = std::chrono::steady_clock::now();
    progress::RateEstimator rate;
    bool drew = false;
    double last_plain = -1e9;
    request.progress = [&](const status::ResyncSample& s) {
      if (!s.total_sectors) return;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      rate.add(elapsed, s.done_sectors * 512);
      const progress::ProgressView view{s.done_sectors * 512, s.total_sectors * 512, elapsed, rate.bytes_per_second()};
      if (tty) {
        std::printf("\r%s: %s %s", request.tag.c_str(), s.action.c_str(), progress::render_bar_line(view, 60).c_str());
        drew = true;
      } else if (elapsed - last_plain >= 10) {  // a line every 10 s in logs: a verify may take hours
        std::printf("%s\n", progress::render_plain_line(request.tag, s.action, view).c_str());
        last_plain = elapsed;
      }
      std::fflush(stdout);
    };
    // Exit 1 means "the legs differed" here: any other failure is "not verified".
    const auto record = [&] {
      try {
        return verify::run(ctx, request);
      } catch (const OpError& e) {
        if (e.exit_code == kFailed) throw OpError(e.what(), kVerifyNotVerified);
        throw;
      } catch (const std::invalid_argument&) {
        throw;
      } catch (const std::exception& e) {
        throw OpError(e.what(), kVerifyNotVerified);
      }
    }();
    if (drew) std::printf("\n");
    const int code = verify::exit_code(record);
    if (code == kVerifyNotVerified) {
      std::fprintf(stderr, "netraid: verify: %s\n", verify::render_verdict(request.tag, record).c_str());
      return code;
    }
    for (const auto& line : verify::render_regions(record)) std::printf("%s\n", line.c_str());
    std::printf("%s\n", verify::render_verdict(request.tag, record).c_str());
    return code;
  });
}
}  // namespace

NETRAID_VERB("verify", kReplication, "compare the legs of a mirror in service (md check), --repair to fix", run_verify);
