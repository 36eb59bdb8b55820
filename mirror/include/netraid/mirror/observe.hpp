// SPDX-License-Identifier: GPL-2.0-or-later
// What this system sees of its mirrors now, for `status` and `wait`: the
// observations compute_mirror_status (pure, mirror_status.hpp) reads, and
// the resync counters of one array. Read through the System; changes
// nothing but the targets' recorded states when a resync has ended.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "netraid/mirror/context.hpp"
#include "netraid/mirror/mirror_status.hpp"

namespace netraid::mirror::status {

// M as this system sees it: md's member states, attached and paused
// targets, whether it serves M as a target, whether its flags name it the
// source.
NodeObservations observe_node(const Context& ctx, const config::MirrorConfig& m);

// Each mirror's status here. A resync that ended is recorded first (by
// whoever sees it first), so a target becomes in_sync without the monitor.
std::vector<MirrorStatus> observe_mirrors(const Context& ctx, const std::vector<config::MirrorConfig>& mirrors);

// md's resync counters of M's array now.
struct ResyncSample {
  std::string action;  // idle, resync, recover, check, frozen ...
  std::uint64_t done_sectors = 0, total_sectors = 0;
  unsigned degraded = 0;
  bool syncing() const { return action != "idle" && action != "frozen"; }
};
// OpError when the array is gone (deleted or stopped meanwhile).
ResyncSample sample_resync(const Context& ctx, const config::MirrorConfig& m);

}  // namespace netraid::mirror::status
