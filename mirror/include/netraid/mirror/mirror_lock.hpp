// SPDX-License-Identifier: GPL-2.0-or-later
// One command at a time per mirror and system: every verb that changes a
// mirror holds TAG's lock (flock on RUN_DIR/TAG.lock) while it runs, so two
// of them never interleave their steps (two extends to one target would
// build two NBD legs to the same disk). main.cpp takes it for the verbs
// listed here, before the verb runs; the monitor only tries it (a busy
// mirror waits for the next pass).
//
// Lock order (no cycle, so no deadlock):
// - A command holds at most one lock: its mirror's, on its own system, taken
//   first. Through remote exec it may make a target's `serve` take the same
//   mirror's lock THERE; a target-side holder (serve) never calls another
//   system. Only two systems both acting as the mirror's source (split brain)
//   could wait on each other, and the bounded wait ends that.
// - netraid run by a holder on its own system (restore's `serve --stop`)
//   would wait for its own parent: the holder exports NETRAID_LOCK_HELD=TAG,
//   and a child honours it only when its parent really holds that lock
//   (/proc/locks), so a stray copy of the variable (a daemon, another system)
//   grants nothing.
// - Plumbing other systems call while they hold their own lock takes none:
//   node-info, flags-report, flags-set, config-import, config-forget.
#pragma once
#include <sys/types.h>

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "netraid/mirror/errors.hpp"

namespace netraid::mirror::lock {

// ---- pure: which commands lock what, records, messages, waiting ----

// A verb that changes a mirror, and how to find its TAG: the first argument
// that is neither an option nor an option's value.
struct VerbRule {
  std::set<std::string> value_options;    // take a value: --opt VALUE (or --opt=VALUE)
  std::set<std::string> flag_options;     // take none
  std::set<std::string> read_only_flags;  // with one of these the verb only reads (serve --status)
};
// nullptr: the verb takes no mirror lock.
const VerbRule* rule_for(std::string_view verb);

struct LockPlan {
  std::string tag;       // the mirror to lock; "" = none
  std::string refusal;   // non-empty: the arguments cannot be read (exit 2, one line)
};
// What `netraid VERB ARGS` must lock. No TAG, --help or a TAG no verb would
// accept (it names no file): nothing, the verb itself answers.
LockPlan plan(std::string_view verb, std::span<const std::string> args);

// A tag that names a lock file safely: 1-64 of A-Z a-z 0-9 _ . - (every tag a
// verb accepts is one).
bool lockable_tag(std::string_view tag);

// Who holds a lock: written into the lock file by the holder.
struct Holder {
  std::string verb;
  long pid = 0;
};
std::string format_holder(const Holder& holder);  // "extend 1234\n"
std::optional<Holder> parse_holder(std::string_view text);

// "extend by pid 1234", or "another netraid command" when the record is unreadable.
std::string describe(const std::optional<Holder>& holder);
std::string waiting_message(const std::string& tag, const std::optional<Holder>& holder, unsigned seconds);
std::string busy_message(const std::string& tag, const std::optional<Holder>& holder);

// How long a command waits for a busy mirror: NETRAID_LOCK_WAIT (seconds,
// 0 = not at all), default 120 s. Throws std::invalid_argument (one line).
constexpr unsigned kDefaultWaitSeconds = 120;
unsigned wait_seconds(const char* env_value);
// Pause before the next try: short at first (most holders end within
// seconds), then at most half a second.
unsigned retry_delay_ms(unsigned attempt);

// True when /proc/locks (its text) shows process PID holding a write flock on
// inode INODE (a waiter's "->" line does not count).
bool flock_held_by(std::string_view proc_locks, long pid, unsigned long inode);

// ---- effects ----

// Thrown when the wait ends with the mirror still busy (exit kBusy).
struct BusyError : mirror::OpError {
  explicit BusyError(const std::string& message);
};

// A held lock; released when destroyed (the holder's process ends: the
// kernel releases it too). The lock file stays: removing it while another
// command waits on it would let a third lock a new file beside them.
class MirrorLock {
 public:
  MirrorLock(MirrorLock&& other) noexcept;
  MirrorLock& operator=(MirrorLock&& other) noexcept;
  ~MirrorLock() { release(); }
  const std::string& tag() const { return tag_; }

 private:
  friend class Locker;
  MirrorLock(std::string tag, int fd) : tag_(std::move(tag)), fd_(fd) {}
  void release() noexcept;
  std::string tag_;
  int fd_;  // -1: the parent holds it for us (NETRAID_LOCK_HELD)
};

class Locker {
 public:
  explicit Locker(std::string run_dir) : run_dir_(std::move(run_dir)) {}
  // Waits up to `wait_s` for TAG, saying once through `say` that it waits;
  // BusyError when it is still busy then. Other failures: mirror::OpError.
  MirrorLock acquire(const std::string& tag, const std::string& verb, unsigned wait_s,
                     const std::function<void(const std::string&)>& say) const;
  // Without waiting: nothing when busy, and `busy` says why.
  std::optional<MirrorLock> try_acquire(const std::string& tag, const std::string& verb, std::string* busy) const;

 private:
  std::optional<MirrorLock> attempt(const std::string& tag, const std::string& verb,
                                    std::optional<Holder>* holder) const;
  std::string run_dir_;
};

// The run dir (NETRAID_RUN_DIR, default /run/netraid) without reading
// netraid.json: serve, which locks too, never needed that file.
std::string run_dir_from_environment();

}  // namespace netraid::mirror::lock
