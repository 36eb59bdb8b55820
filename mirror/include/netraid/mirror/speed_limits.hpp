// SPDX-License-Identifier: GPL-2.0-or-later
// Resync rate limits of a mirror's md array (`netraid set`): md's
// sync_speed_min and sync_speed_max, in KB/s. md throttles a resync only
// while it runs faster than the minimum, so a minimum above the maximum makes
// md ignore the cap: such a pair is refused before anything is written.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netraid::mirror {

struct SpeedLimits {
  std::uint64_t min_kbs = 0;
  std::uint64_t max_kbs = 0;
};

// The number md shows in sync_speed_min/max ("5000 (local)", "200000
// (system)": the value in force either way); nullopt when it is not that.
std::optional<std::uint64_t> parse_md_speed(std::string_view text);

// What `set` asks for: a value per option given; 0 = back to the system
// default (/proc/sys/dev/raid/speed_limit_min/max).
struct SpeedRequest {
  std::optional<std::uint64_t> max_kbs;  // --speed-limit
  std::optional<std::uint64_t> min_kbs;  // --speed-limit-min
};

// The limits in force after the request: given values replace the current
// ones (0 by the system default), the others stay.
SpeedLimits limits_after(const SpeedRequest& request, const SpeedLimits& current, const SpeedLimits& system_default);

// One line when the limits after the request have min > max, else "".
std::string speed_limits_problem(const SpeedRequest& request, const SpeedLimits& current,
                                 const SpeedLimits& system_default);

}  // namespace netraid::mirror
