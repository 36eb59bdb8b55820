// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/reconnect_backoff.hpp"

namespace netraid::mirror::backoff {

unsigned delay_seconds(unsigned failures, unsigned base, unsigned cap) {
  if (failures == 0) return 0;
  unsigned long long d = base;
  for (unsigned i = 1; i < failures && d < cap; ++i) d *= 2;
  return d > cap ? cap : static_cast<unsigned>(d);
}

bool Schedule::may_try(const std::string& host, double now) const {
  auto it = targets_.find(host);
  return it == targets_.end() || now >= it->second.next_try;
}

unsigned Schedule::record(const std::string& host, bool reconnected, double now) {
  if (reconnected) {
    targets_.erase(host);
    return 0;
  }
  auto& t = targets_[host];
  ++t.failures;
  const unsigned wait = delay_seconds(t.failures, base_, cap_);
  t.next_try = now + wait;
  return wait;
}

unsigned Schedule::failures(const std::string& host) const {
  auto it = targets_.find(host);
  return it == targets_.end() ? 0 : it->second.failures;
}

}  // namespace netraid::mirror::backoff
