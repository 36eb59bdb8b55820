// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/monitor.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "netraid/mirror/resync_ops.hpp"

namespace netraid::mirror {

namespace {
double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Monitor::Monitor(const Context& ctx, unsigned interval_s)
    : ctx_(ctx),
      interval_s_(interval_s),
      schedule_(interval_s, std::max(60u, interval_s)),
      locker_(ctx.settings.run_dir) {}

std::vector<std::string> Monitor::pass() {
  std::vector<std::string> watched;
  for (const auto& listed : ctx_.store.list()) {
    if (!mirror_active(ctx_, listed, ctx_.settings.node_name)) continue;
    watched.push_back(md_name(listed.md_device));
    std::optional<lock::MirrorLock> held;
    config::MirrorConfig m;
    try {
      std::string busy;
      held = locker_.try_acquire(listed.tag, "monitor", &busy);
      if (!held) {
        ctx_.say(busy + ": skipped this pass (next in at most " + std::to_string(interval_s_) + " s)");
        continue;
      }
      m = ctx_.store.load(listed.tag);  // as the last holder left it
    } catch (const std::exception& e) {
      ctx_.say(listed.tag + ": " + e.what());
      continue;
    }
    if (!mirror_active(ctx_, m, ctx_.settings.node_name)) continue;
    PassOptions options;
    options.may_connect = [&](const std::string& host) { return schedule_.may_try(m.tag + "/" + host, steady_seconds()); };
    options.connect_outcome = [&](const std::string& host, bool ok) {
      const unsigned wait = schedule_.record(m.tag + "/" + host, ok, steady_seconds());
      if (!ok) ctx_.say(m.tag + ": " + host + ": next reconnect attempt in " + std::to_string(wait) + " s");
    };
    try {
      resync_pass(ctx_, m, options);
    } catch (const std::exception& e) {
      ctx_.say(m.tag + ": " + e.what());
    }
  }
  return watched;
}

}  // namespace netraid::mirror
