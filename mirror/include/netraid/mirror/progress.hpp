// SPDX-License-Identifier: GPL-2.0-or-later
// What `netraid wait TAG` prints while a resync runs: a one-line progress bar
// for terminals (redrawn with \r, so it must never exceed the width) and a
// plain line for logs and pipes. Pure: the caller samples the clock and md's
// counters and decides how often to print.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace netraid::mirror::progress {

// Rate over a moving window of (time, bytes done) samples: the slope between
// the oldest and the newest sample kept. A window rather than done/elapsed so
// the rate follows md's throttling (LKDR_SPEED_LIMIT_MIN under load) instead
// of averaging the whole run. A sample whose count goes backwards means md
// restarted the resync: the window starts over from it.
class RateEstimator {
 public:
  explicit RateEstimator(std::size_t window_samples = 8);

  // Samples with a time not after the newest one are ignored (clock went
  // backwards or a duplicate poll).
  void add(double at_seconds, std::uint64_t done_bytes);
  // Bytes per second; nullopt until two samples span some time.
  std::optional<double> bytes_per_second() const;
  std::size_t size() const { return samples_.size(); }

 private:
  struct Sample {
    double at_seconds;
    std::uint64_t done_bytes;
  };
  std::size_t window_;
  std::deque<Sample> samples_;
};

struct ProgressView {
  std::uint64_t done_bytes = 0;
  std::uint64_t total_bytes = 0;
  double elapsed_seconds = 0;
  // From a RateEstimator; when absent, done/elapsed is used.
  std::optional<double> rate_bytes_per_s;
};

// Percent done in [0, 100]; 0 when total is 0.
double percent_done(const ProgressView& view);
// The rate in effect: the given one, else done/elapsed; nullopt when neither
// is known or it is 0 (nothing moves, so no ETA can be promised).
std::optional<double> effective_rate(const ProgressView& view);
// Seconds left at the effective rate, rounded up; 0 when done.
std::optional<std::uint64_t> eta_seconds(const ProgressView& view);

// "0:07", "12:05", "1:02:03".
std::string format_clock(std::uint64_t seconds);

// `[=========>          ]  47.3%  118.2 MB/s  ETA 0:12` (20 cells at width 51), at most
// terminal_width characters: the bar takes what the numbers leave (at most
// 50 cells) and is dropped when fewer than 10 cells remain. Unknown rate
// shows as "--.- MB/s" and "ETA -:--". MB is 10^6 bytes, as in mdadm's "MB".
std::string render_bar_line(const ProgressView& view, std::size_t terminal_width);

// `datarep: resync 47.3% (123456/261120 KiB) 118.2 MB/s ETA 12 s` for
// non-terminals; rate and ETA are left out while unknown.
std::string render_plain_line(std::string_view tag, std::string_view kind, const ProgressView& view);

}  // namespace netraid::mirror::progress
