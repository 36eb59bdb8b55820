// SPDX-License-Identifier: GPL-2.0-or-later
// When the monitor tries a lost target again: pure bookkeeping over plain
// data, so the schedule is unit-tested without a clock or a network.
#pragma once
#include <map>
#include <string>

namespace netraid::mirror::backoff {

// Seconds to wait after FAILURES failed reconnects in a row: BASE, 2*BASE,
// 4*BASE ... never more than CAP (0 failures: no wait).
unsigned delay_seconds(unsigned failures, unsigned base, unsigned cap);

// Per target (by host): failed attempts in a row and when the next may run,
// in seconds of a monotonic clock.
struct TargetState {
  unsigned failures = 0;
  double next_try = 0;
};

class Schedule {
 public:
  Schedule(unsigned base, unsigned cap) : base_(base), cap_(cap) {}
  bool may_try(const std::string& host, double now) const;
  // Records an attempt's outcome; returns the seconds until the next try.
  unsigned record(const std::string& host, bool reconnected, double now);
  unsigned failures(const std::string& host) const;

 private:
  unsigned base_, cap_;
  std::map<std::string, TargetState> targets_;
};

}  // namespace netraid::mirror::backoff
