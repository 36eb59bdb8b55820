// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mirror/speed_limits.hpp"

using namespace netraid::mirror;

namespace {
const SpeedLimits kSystem{1000, 200000};  // the kernel's defaults
}

TEST_CASE("speed limits: md's sysfs text") {
  CHECK(parse_md_speed("200000 (system)") == 200000u);
  CHECK(parse_md_speed("5000 (local)\n") == 5000u);
  CHECK(parse_md_speed("7\n") == 7u);
  CHECK_FALSE(parse_md_speed("").has_value());
  CHECK_FALSE(parse_md_speed("fast").has_value());
  CHECK_FALSE(parse_md_speed("12x").has_value());
}

TEST_CASE("speed limits: a value given replaces the current one, 0 means the system default") {
  const SpeedLimits current{5000, 10000};
  const auto after = limits_after({std::nullopt, 0}, current, kSystem);
  CHECK(after.min_kbs == 1000);
  CHECK(after.max_kbs == 10000);
  CHECK(limits_after({20000, std::nullopt}, current, kSystem).max_kbs == 20000);
}

TEST_CASE("speed limits: a minimum up to the limit is fine") {
  CHECK(speed_limits_problem({1000, 500}, kSystem, kSystem).empty());
  CHECK(speed_limits_problem({5000, 5000}, kSystem, kSystem).empty());
  CHECK(speed_limits_problem({std::nullopt, 100000}, kSystem, kSystem).empty());
  CHECK(speed_limits_problem({0, 0}, {9000, 1000}, kSystem).empty());  // both back to the defaults
}

TEST_CASE("speed limits: errors-a minimum above the limit is refused, both given") {
  CHECK(speed_limits_problem({1000, 5000}, kSystem, kSystem) ==
        "--speed-limit-min 5000 KB/s is above --speed-limit 1000 KB/s: md would not hold a resync below its "
        "minimum, so the limit would be ignored; give a minimum no higher than the limit (nothing was changed)");
}

TEST_CASE("speed limits: errors-one option against the value already in force") {
  const SpeedLimits current{5000, 200000};
  CHECK(speed_limits_problem({1000, std::nullopt}, current, kSystem).find(
            "the current sync_speed_min of 5000 KB/s is above --speed-limit 1000 KB/s") == 0);
  CHECK(speed_limits_problem({std::nullopt, 300000}, current, kSystem).find(
            "--speed-limit-min 300000 KB/s is above the current sync_speed_max of 200000 KB/s") == 0);
  CHECK(speed_limits_problem({std::nullopt, 0}, {5000, 500}, kSystem).find(
            "--speed-limit-min 0 (the system default, 1000 KB/s) is above the current sync_speed_max of 500 KB/s") ==
        0);
}
