// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/mirror_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "netraid/common/options.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/mirror/settings.hpp"
#include "netraid/mirror/exit_codes.hpp"

namespace netraid::mirror::lock {

namespace {
constexpr const char* kHeldEnv = "NETRAID_LOCK_HELD";
}

// The verbs that change a mirror. Their options are listed only to find the
// TAG among the arguments: an option this table does not know is refused
// before anything is locked or created, so a verb that gains an option fails
// loudly until it is added here, never runs unlocked.
const VerbRule* rule_for(std::string_view verb) {
  static const std::map<std::string, VerbRule, std::less<>> rules{
      {"create", {{"--local", "--mount", "--fstype", "--chunk", "--address", "--grace"}, {"--no-tls", "--existing-fs"}, {}}},
      {"extend", {{"--target", "--target-device", "--target-address", "--priority", "--mode"}, {}, {}}},
      {"unextend", {}},
      {"delete", {{}, {"--force"}, {}}},
      {"resync", {}},
      {"fullresync", {}},
      {"pause", {}},
      {"resume", {}},
      {"set", {{"--speed-limit", "--speed-limit-min", "--tunable"}, {}, {}}},
      {"resize", {{"--size"}, {"--yes"}, {}}},
      // Changes nothing without --repair, but drives md's sync_action.
      {"verify", {{"--timeout"}, {"--repair", "--no-regions"}, {}}},
      {"restore", {{}, {"--force", "--json"}, {}}},
      {"remove", {{}, {"--filesystem-only"}, {}}},
      {"force", {{}, {"--yes"}, {}}},
      {"rotate-key", {}},
      // The other systems' side of extend and rotate-key: the key arrives on stdin.
      {"key-import", {{}, {"--add", "--forget"}, {}}},
      // The target side: a source's extend, resync and delete run it here.
      {"serve", {{"--device", "--listen", "--port", "--allow", "--size"},
                 {"--stop", "--direct", "--takeover", "--tls", "--drop"},
                 {"--status"}}},
      // The target side of pause and resume (released_copy.hpp).
      {"release", {}},
      {"reclaim", {{}, {}, {"--check"}}},
  };
  auto it = rules.find(verb);
  return it == rules.end() ? nullptr : &it->second;
}

bool lockable_tag(std::string_view tag) {
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; };
  return !tag.empty() && tag.size() <= 64 && std::all_of(tag.begin(), tag.end(), ok);
}

LockPlan plan(std::string_view verb, std::span<const std::string> args) {
  const VerbRule* rule = rule_for(verb);
  if (!rule) return {};
  if (std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; })) return {};
  common::OptionSpec spec;
  spec.values = rule->value_options;
  spec.flags = rule->flag_options;
  spec.flags.insert(rule->read_only_flags.begin(), rule->read_only_flags.end());
  spec.repeatable = {"--allow", "--tunable"};  // serve: one per source address; set: one per key
  spec.aliases = {{"-d", "--device"}};  // serve
  common::ParsedOptions parsed;
  try {
    parsed = common::parse_options(args, spec);
  } catch (const common::OptionError& e) {
    // Refused here, before the lock file exists, with the verb's own words:
    // a command that exits 2 leaves nothing behind.
    const std::string v(verb);
    if (e.kind == common::OptionError::Kind::kUnknown)
      return {"", v + ": unknown option " + common::quoted(e.word) + ": see 'netraid " + v + " --help'"};
    return {"", v + ": " + e.what()};
  }
  for (const auto& flag : rule->read_only_flags)
    if (parsed.flags.count(flag)) return {};
  const std::string tag = parsed.positional.empty() ? "" : parsed.positional.front();
  if (!lockable_tag(tag)) return {};  // none, or one the verb refuses itself
  return {tag, ""};
}

std::string format_holder(const Holder& holder) { return holder.verb + " " + std::to_string(holder.pid) + "\n"; }

std::optional<Holder> parse_holder(std::string_view text) {
  if (text.empty() || text.back() != '\n') return std::nullopt;  // being written
  text.remove_suffix(1);
  const auto space = text.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  Holder h{std::string(text.substr(0, space)), 0};
  if (!std::all_of(h.verb.begin(), h.verb.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; }))
    return std::nullopt;
  const auto digits = text.substr(space + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), h.pid);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || h.pid <= 0) return std::nullopt;
  return h;
}

std::string describe(const std::optional<Holder>& holder) {
  if (!holder) return "another netraid command";
  return holder->verb + " by pid " + std::to_string(holder->pid);
}

std::string waiting_message(const std::string& tag, const std::optional<Holder>& holder, unsigned seconds) {
  return tag + " is busy: " + describe(holder) + "; waiting up to " + std::to_string(seconds) + " s";
}

std::string busy_message(const std::string& tag, const std::optional<Holder>& holder) {
  return tag + " is busy: " + describe(holder) + " (try again when it ends)";
}

unsigned wait_seconds(const char* env_value) {
  if (!env_value || !*env_value) return kDefaultWaitSeconds;
  const std::string_view text(env_value);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 86400)
    throw std::invalid_argument("NETRAID_LOCK_WAIT='" + std::string(text) +
                                "' is not a whole number of seconds from 0 to 86400: unset it or give e.g. " +
                                std::to_string(kDefaultWaitSeconds));
  return value;
}

unsigned retry_delay_ms(unsigned attempt) { return attempt >= 5 ? 500 : std::min(500u, 20u << attempt); }

bool flock_held_by(std::string_view proc_locks, long pid, unsigned long inode) {
  // "1: FLOCK  ADVISORY  WRITE 1234 00:17:5678 0 EOF"; a waiter's line has
  // "->" after the number. Device numbers are not compared: stat's st_dev and
  // the kernel's s_dev differ on some file systems (btrfs).
  std::istringstream lines{std::string(proc_locks)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    std::vector<std::string> t;
    for (std::string w; in >> w;) t.push_back(w);
    if (t.size() < 6 || t[1] != "FLOCK" || t[3] != "WRITE" || t[4] != std::to_string(pid)) continue;
    const auto colon = t[5].rfind(':');
    if (colon != std::string::npos && t[5].substr(colon + 1) == std::to_string(inode)) return true;
  }
  return false;
}

BusyError::BusyError(const std::string& message) : mirror::OpError(message, mirror::kBusy) {}

MirrorLock::MirrorLock(MirrorLock&& other) noexcept : tag_(std::move(other.tag_)), fd_(std::exchange(other.fd_, -1)) {}

MirrorLock& MirrorLock::operator=(MirrorLock&& other) noexcept {
  if (this != &other) {
    release();
    tag_ = std::move(other.tag_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void MirrorLock::release() noexcept {
  if (fd_ < 0) return;
  if (const char* held = std::getenv(kHeldEnv); held && tag_ == held) ::unsetenv(kHeldEnv);
  (void)!::ftruncate(fd_, 0);  // no stale record for the next waiter to quote
  ::close(std::exchange(fd_, -1));  // releases the flock: no other descriptor shares it (O_CLOEXEC)
}

namespace {

std::optional<Holder> read_holder(int fd) {
  char buf[64];
  const auto n = ::pread(fd, buf, sizeof buf, 0);
  return n > 0 ? parse_holder(std::string_view(buf, static_cast<std::size_t>(n))) : std::nullopt;
}

// The lock file, created 0600; refused unless it is a regular file (a
// symlink, FIFO or device there is not ours: never follow or block on it).
int open_lock_file(const std::string& path, const std::string& tag) {
  const std::string not_ours = path + " is not a regular file: remove it (netraid keeps the lock of " + tag +
                               " there) and try again";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP || err == EISDIR || err == ENXIO) throw mirror::OpError(not_ours);
    throw mirror::OpError("cannot open the lock file " + path + ": " + std::strerror(err) +
                       ": check the permissions of its directory or set NETRAID_RUN_DIR");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw mirror::OpError(not_ours);
  }
  return fd;
}

// NETRAID_LOCK_HELD=TAG and our parent holds TAG's lock (this very file).
bool parent_holds(int fd, const std::string& tag) {
  const char* held = std::getenv(kHeldEnv);
  if (!held || tag != held) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  std::ifstream in("/proc/locks");
  std::stringstream text;
  text << in.rdbuf();
  return flock_held_by(text.str(), static_cast<long>(::getppid()), static_cast<unsigned long>(st.st_ino));
}

}  // namespace

std::optional<MirrorLock> Locker::attempt(const std::string& tag, const std::string& verb,
                                          std::optional<Holder>* holder) const {
  std::error_code ec;
  std::filesystem::create_directories(run_dir_, ec);
  if (ec)
    throw mirror::OpError("cannot create the run directory " + run_dir_ + ": " + ec.message() +
                       ": check permissions or set NETRAID_RUN_DIR");
  const int fd = open_lock_file(run_dir_ + "/" + tag + ".lock", tag);
  if (parent_holds(fd, tag)) {
    ::close(fd);
    return MirrorLock(tag, -1);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    const std::string record = format_holder({verb, static_cast<long>(::getpid())});
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, record.data(), record.size(), 0) < 0) {
      // Only the record is lost: the lock is held all the same.
    }
    ::setenv(kHeldEnv, tag.c_str(), 1);  // a netraid started under this lock does not wait for it
    return MirrorLock(tag, fd);
  }
  const int err = errno;
  *holder = read_holder(fd);
  ::close(fd);
  if (err != EWOULDBLOCK)
    throw mirror::OpError("cannot lock " + run_dir_ + "/" + tag + ".lock: " + std::strerror(err));
  return std::nullopt;
}

MirrorLock Locker::acquire(const std::string& tag, const std::string& verb, unsigned wait_s,
                           const std::function<void(const std::string&)>& say) const {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(wait_s);
  std::optional<Holder> holder;
  for (unsigned attempt = 0;; ++attempt) {
    if (auto held = this->attempt(tag, verb, &holder)) return std::move(*held);
    if (clock::now() >= deadline) throw BusyError(busy_message(tag, holder));
    if (attempt == 0) say(waiting_message(tag, holder, wait_s));
    std::this_thread::sleep_for(std::chrono::milliseconds(retry_delay_ms(attempt)));
  }
}

std::optional<MirrorLock> Locker::try_acquire(const std::string& tag, const std::string& verb,
                                              std::string* busy) const {
  std::optional<Holder> holder;
  auto held = attempt(tag, verb, &holder);
  if (!held && busy) *busy = tag + " is busy: " + describe(holder);
  return held;
}

std::string run_dir_from_environment() {
  const char* dir = std::getenv("NETRAID_RUN_DIR");
  return dir && *dir ? std::string(dir) : settings::Settings{}.run_dir;
}

}  // namespace netraid::mirror::lock
