// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mirror/progress.hpp"

using namespace netraid::mirror::progress;

TEST_CASE("bar line: the documented example, 20 cells on a 51-column terminal") {
  ProgressView v;
  v.total_bytes = 2'669'032'258;
  v.done_bytes = 1'262'452'258;  // 47.3 %, 11.9 s left at 118.2 MB/s
  v.elapsed_seconds = 10;
  v.rate_bytes_per_s = 118.2e6;
  CHECK(render_bar_line(v, 51) == "[=========>          ]  47.3%  118.2 MB/s  ETA 0:12");
}

TEST_CASE("bar line never exceeds the terminal width and drops the bar when cramped") {
  ProgressView v{500, 1000, 5, 100.0};
  for (std::size_t width = 0; width <= 200; ++width) {
    CAPTURE(width);
    CHECK(render_bar_line(v, width).size() <= width);
  }
  CHECK(render_bar_line(v, 200).size() == 50 + 3 + 28);  // the bar stops at 50 cells
  CHECK(render_bar_line(v, 35).find('[') == std::string::npos);
  CHECK(render_bar_line(v, 35).find("50.0%") != std::string::npos);
}

TEST_CASE("bar line: complete, and unknown rate") {
  ProgressView done{1000, 1000, 4, std::nullopt};
  CHECK(render_bar_line(done, 51) == "[====================] 100.0%    0.0 MB/s  ETA 0:00");
  ProgressView start{0, 1000, 0, std::nullopt};
  CHECK(render_bar_line(start, 51) == "[>                   ]   0.0%   --.- MB/s  ETA -:--");
}

TEST_CASE("plain line for non-terminals") {
  ProgressView v;
  v.done_bytes = 123456ull * 1024;
  v.total_bytes = 261120ull * 1024;
  v.rate_bytes_per_s = 11.82e6;  // 140967936 bytes left: 11.93 s
  CHECK(render_plain_line("datarep", "resync", v) ==
        "datarep: resync 47.3% (123456/261120 KiB) 11.8 MB/s ETA 12 s");
  v.rate_bytes_per_s.reset();
  v.elapsed_seconds = 0;
  CHECK(render_plain_line("datarep", "recovery", v) == "datarep: recovery 47.3% (123456/261120 KiB)");
}

TEST_CASE("without an estimator the rate is the average since the start") {
  ProgressView v{50'000'000, 100'000'000, 10, std::nullopt};
  REQUIRE(effective_rate(v));
  CHECK(*effective_rate(v) == doctest::Approx(5e6));
  CHECK(eta_seconds(v) == 10u);
  CHECK(percent_done(ProgressView{1, 0, 1, std::nullopt}) == 0.0);
  CHECK_FALSE(effective_rate(ProgressView{10, 100, 1, 0.0}).has_value());
}

TEST_CASE("clock format for ETAs") {
  CHECK(format_clock(0) == "0:00");
  CHECK(format_clock(7) == "0:07");
  CHECK(format_clock(725) == "12:05");
  CHECK(format_clock(3723) == "1:02:03");
}

TEST_CASE("rate estimator: moving window follows a change of speed") {
  RateEstimator r(3);
  CHECK_FALSE(r.bytes_per_second().has_value());
  r.add(0, 0);
  CHECK_FALSE(r.bytes_per_second().has_value());
  r.add(1, 10'000'000);
  r.add(2, 20'000'000);
  CHECK(*r.bytes_per_second() == doctest::Approx(10e6));
  // md throttles up: after the window slides past the old samples only the new speed counts.
  r.add(3, 40'000'000);
  r.add(4, 60'000'000);
  CHECK(r.size() == 3);
  CHECK(*r.bytes_per_second() == doctest::Approx(20e6));
}

TEST_CASE("rate estimator: a restarted resync resets, stale or duplicate times are ignored") {
  RateEstimator r(8);
  r.add(0, 0);
  r.add(1, 5'000'000);
  r.add(1, 9'000'000);    // same time: ignored
  r.add(0.5, 9'000'000);  // clock went backwards: ignored
  CHECK(*r.bytes_per_second() == doctest::Approx(5e6));
  r.add(2, 1'000'000);  // md started over
  CHECK(r.size() == 1);
  CHECK_FALSE(r.bytes_per_second().has_value());
  r.add(4, 3'000'000);
  CHECK(*r.bytes_per_second() == doctest::Approx(1e6));
}
