// SPDX-License-Identifier: GPL-2.0-or-later
// Bringing every target of a mirror back into the array: the effects behind
// `netraid resync`, `fullresync`, `pause`, `resume` and the monitor. Each pass
// observes each leg, asks leg_plan what to do, does it, and repeats.
#pragma once
#include <functional>
#include <optional>
#include <set>
#include <vector>
#include <string>

#include "netraid/mirror/context.hpp"

namespace netraid::mirror {

struct PassOptions {
  std::set<std::string> full_resync_hosts;  // these targets are copied in full
  // The monitor's reconnect backoff: a target this says no to is not
  // reconnected in this pass; each reconnect attempt's outcome is reported.
  std::function<bool(const std::string& host)> may_connect;
  std::function<void(const std::string& host, bool connected)> connect_outcome;
};

// One pass over all targets of TAG on its source. Returns how many targets are
// mirroring (in array, not faulty) afterwards. Never throws for one target's
// trouble: it says what happened and goes on with the next.
int resync_pass(const Context& ctx, const config::MirrorConfig& mirror, const PassOptions& options = {});

// The operator's verbs over some targets of TAG (HOSTS; empty = every
// target). A host that is not a target is a UsageError before anything
// changes.
void pause(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts);
void resume(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts);
void fullresync(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts);

}  // namespace netraid::mirror
