// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mirror/reconnect_backoff.hpp"

using namespace netraid::mirror::backoff;

TEST_CASE("delay_seconds doubles from the base up to the cap") {
  CHECK(delay_seconds(0, 10, 300) == 0);
  CHECK(delay_seconds(1, 10, 300) == 10);
  CHECK(delay_seconds(2, 10, 300) == 20);
  CHECK(delay_seconds(3, 10, 300) == 40);
  CHECK(delay_seconds(5, 10, 300) == 160);
  CHECK(delay_seconds(6, 10, 300) == 300);
  CHECK(delay_seconds(1000, 10, 300) == 300);  // no overflow after many failures
  CHECK(delay_seconds(1, 500, 300) == 300);    // a base above the cap is capped
}

TEST_CASE("Schedule: a failing target waits longer each time, success resets it") {
  Schedule s(10, 60);
  CHECK(s.may_try("n2", 0));
  CHECK(s.record("n2", false, 0) == 10);
  CHECK_FALSE(s.may_try("n2", 9.9));
  CHECK(s.may_try("n2", 10));
  CHECK(s.record("n2", false, 10) == 20);
  CHECK_FALSE(s.may_try("n2", 29));
  CHECK(s.may_try("n3", 29));  // other targets are not held back
  CHECK(s.record("n2", false, 30) == 40);
  CHECK(s.record("n2", false, 70) == 60);
  CHECK(s.failures("n2") == 4);
  CHECK(s.record("n2", true, 130) == 0);
  CHECK(s.failures("n2") == 0);
  CHECK(s.may_try("n2", 130));
}
