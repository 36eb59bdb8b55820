// SPDX-License-Identifier: GPL-2.0-or-later
// `netraid set TAG --speed-limit ...`: the resync rate limits of a mirror's
// array, checked against what is in force (speed_limits.hpp, pure) before
// the first write, so a refusal changes nothing.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "netraid/mirror/context.hpp"
#include "netraid/mirror/speed_limits.hpp"

namespace netraid::mirror {

// Writes the requested limits to md (sync_speed_max, then sync_speed_min)
// and returns each attribute as md shows it afterwards. UsageError when the
// result would have min > max; OpError when TAG is not in service here.
std::vector<std::pair<std::string, std::string>> set_speed_limits(const Context& ctx, const std::string& tag,
                                                                  const SpeedRequest& request);

// LKDR_SPEED_LIMIT / LKDR_SPEED_LIMIT_MIN, when set, on M's array here (per
// array, as DataKeeper does; not the system-wide sysctl): at create and each
// time the array is assembled. A write md refuses is said, not thrown.
void apply_tunable_speed_limits(const Context& ctx, const config::MirrorConfig& m);

}  // namespace netraid::mirror
