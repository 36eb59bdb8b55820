// SPDX-License-Identifier: GPL-2.0-or-later
// Bringing every target of a mirror back into the array: the effects behind
// `netraid resync`, `fullresync`, `pause`, `resume` and the monitor. Each pass
// observes each leg, asks leg_plan what to do, does it, and repeats.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "netraid/mirror/context.hpp"

namespace netraid::mirror {

struct PassOptions {
  std::optional<std::string> full_resync_host;  // fullresync this target ("*" = all)
  // The monitor's reconnect backoff: a target this says no to is not
  // reconnected in this pass; each reconnect attempt's outcome is reported.
  std::function<bool(const std::string& host)> may_connect;
  std::function<void(const std::string& host, bool connected)> connect_outcome;
};

// One pass over all targets of TAG on its source. Returns how many targets are
// mirroring (in array, not faulty) afterwards. Never throws for one target's
// trouble: it says what happened and goes on with the next.
int resync_pass(const Context& ctx, const config::MirrorConfig& mirror, const PassOptions& options = {});

void pause(Context& ctx, const std::string& tag, const std::optional<std::string>& host);
void resume(Context& ctx, const std::string& tag, const std::optional<std::string>& host);

}  // namespace netraid::mirror
