// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor on the source (`netraid monitor`): a pass gives each mirror
// in service here a resync pass, so a lost target is reconnected and
// resynced without an operator; a target that stays unreachable is retried
// with a backoff. Safe to restart at any time: every decision is taken from
// what is observed now.
#pragma once
#include <string>
#include <vector>

#include "netraid/mirror/context.hpp"
#include "netraid/mirror/mirror_lock.hpp"
#include "netraid/mirror/reconnect_backoff.hpp"

namespace netraid::mirror {

class Monitor {
 public:
  Monitor(const Context& ctx, unsigned interval_s);
  // One pass over every mirror in service on this system. A mirror another
  // command holds (extend, delete...) is skipped, not waited for. Returns
  // the md names of the arrays watched, for wait_md_event.
  std::vector<std::string> pass();

 private:
  const Context& ctx_;
  unsigned interval_s_;
  // A target that stays unreachable is tried again after the interval, then
  // twice as long each time, up to a minute (or the interval when longer):
  // a flapping target costs little, a returning one waits at most that.
  backoff::Schedule schedule_;
  lock::Locker locker_;
};

}  // namespace netraid::mirror
