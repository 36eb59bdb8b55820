// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/speed_limits.hpp"

#include <charconv>

namespace netraid::mirror {

namespace {

// "--speed-limit 1000 KB/s", "--speed-limit 0 (the system default, 200000 KB/s)"
// or "the current sync_speed_max of 1000 KB/s".
std::string describe(const char* option, const char* attribute, std::optional<std::uint64_t> given,
                     std::uint64_t in_force) {
  if (!given) return std::string("the current ") + attribute + " of " + std::to_string(in_force) + " KB/s";
  if (*given == 0) return std::string(option) + " 0 (the system default, " + std::to_string(in_force) + " KB/s)";
  return std::string(option) + " " + std::to_string(*given) + " KB/s";
}

}  // namespace

std::optional<std::uint64_t> parse_md_speed(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  const std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (!rest.empty() && rest.front() != ' ' && rest.front() != '\n') return std::nullopt;
  return value;
}

SpeedLimits limits_after(const SpeedRequest& request, const SpeedLimits& current, const SpeedLimits& system_default) {
  const auto pick = [](std::optional<std::uint64_t> given, std::uint64_t now, std::uint64_t system) {
    if (!given) return now;
    return *given == 0 ? system : *given;
  };
  return {pick(request.min_kbs, current.min_kbs, system_default.min_kbs),
          pick(request.max_kbs, current.max_kbs, system_default.max_kbs)};
}

std::string speed_limits_problem(const SpeedRequest& request, const SpeedLimits& current,
                                 const SpeedLimits& system_default) {
  const auto after = limits_after(request, current, system_default);
  if (after.min_kbs <= after.max_kbs) return {};
  return describe("--speed-limit-min", "sync_speed_min", request.min_kbs, after.min_kbs) + " is above " +
         describe("--speed-limit", "sync_speed_max", request.max_kbs, after.max_kbs) +
         ": md would not hold a resync below its minimum, so the limit would be ignored; give a minimum no higher "
         "than the limit (nothing was changed)";
}

}  // namespace netraid::mirror
