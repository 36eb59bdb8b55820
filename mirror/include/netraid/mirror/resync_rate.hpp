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

// `netraid set TAG --tunable KEY=VALUE ...`: the mirror's own tunables
// (MirrorConfig::tunables; an empty VALUE drops the key). Everything is
// checked first, nothing changed on a refusal: a key a mirror cannot set or a
// bad value (UsageError, one line naming key, value and what is allowed), a
// combination with this system's environment and /etc/default/LifeKeeper
// that is refused (tunables::TunableError), a speed limit md would ignore
// (UsageError). Then the config is saved, shared to every system of the
// mirror (share_config), and a changed speed limit written to the running
// array when the mirror is in service here. Returns one line per key, "TAG:
// KEY = VALUE (ORIGIN)", then "TAG: sync_speed_max = ..." per md write.
using TunableChanges = std::vector<std::pair<std::string, std::string>>;
std::vector<std::string> set_tunables(Context& ctx, const std::string& tag, const TunableChanges& changes);

// LKDR_SPEED_LIMIT / LKDR_SPEED_LIMIT_MIN, when set (the mirror's own value
// over the file's: mirror_tunables), on M's array here (per
// array, as DataKeeper does; not the system-wide sysctl): at create and each
// time the array is assembled. A write md refuses is said, not thrown.
void apply_tunable_speed_limits(const Context& ctx, const config::MirrorConfig& m);

}  // namespace netraid::mirror
