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

}  // namespace netraid::mirror
