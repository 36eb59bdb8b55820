// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the nbdkit that serves a target disk and keeps its pid file under the
// run directory: the process half of `netraid serve`, in the library so the
// orchestration can stop or query a served tag (or start a server) without
// re-running the netraid binary. The nbdkit command line itself is pure
// (nbdkit_command.cpp). Messages are collected in a ServeResult, not printed.
#include "serve_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

#include "netraid/common/durable_file.hpp"
#include "netraid/common/file_error.hpp"
#include "netraid/common/small_file.hpp"

extern char** environ;

namespace netraid::server {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;

// printf onto the end of `to` (a ServeResult's out or err).
[[gnu::format(printf, 2, 3)]] void appendf(std::string& to, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list again;
  va_copy(again, ap);
  const int n = std::vsnprintf(nullptr, 0, fmt, ap);
  va_end(ap);
  if (n > 0) {
    const std::size_t old = to.size();
    to.resize(old + static_cast<std::size_t>(n) + 1);
    std::vsnprintf(to.data() + old, static_cast<std::size_t>(n) + 1, fmt, again);
    to.resize(old + static_cast<std::size_t>(n));
  }
  va_end(again);
}

// The file's content, "" when absent. Never blocks: a FIFO or a symlink at a
// pid file's path is a FileError naming it (`serve --status` must answer).
std::string read_file(const std::string& path, std::string_view what = "file") {
  return netraid::common::read_small_file(path, what).value_or("");
}

// /proc/PID/... of a process that may exit meanwhile: "" once it is gone.
std::string read_proc(const std::string& path) {
  try {
    return read_file(path);
  } catch (const netraid::common::FileError&) {
    return "";
  }
}

// A live nbdkit serving this tag, by the pid file (0 = none). The cmdline
// check keeps a reused pid from being mistaken for our server.
pid_t serving_pid(const std::string& dir, const std::string& tag) {
  const std::string text = read_file(pid_file_for(dir, tag), "pid file");
  const long pid = std::strtol(text.c_str(), nullptr, 10);
  if (pid <= 0) return 0;
  const std::string proc = "/proc/" + std::to_string(pid);
  const std::string stat = read_proc(proc + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || (paren + 2 < stat.size() && stat[paren + 2] == 'Z')) return 0;
  if (!cmdline_serves(read_proc(proc + "/cmdline"), tag)) return 0;
  return static_cast<pid_t>(pid);
}

bool gone(pid_t pid) {
  const std::string stat = read_proc("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return stat.empty() || (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z');
}

std::string argv_file_for(const std::string& dir, const std::string& tag) { return dir + "/" + tag + ".argv"; }

void remove_files(const std::string& dir, const std::string& tag) {
  unlink(pid_file_for(dir, tag).c_str());
  unlink(argv_file_for(dir, tag).c_str());
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += a + '\n';
  return out;
}

int status(const std::string& dir, const std::string& tag, ServeResult& r) {
  if (pid_t pid = serving_pid(dir, tag)) {
    appendf(r.out, "netraid serve: %s: serving (pid %d)\n", tag.c_str(), static_cast<int>(pid));
    return kOk;
  }
  appendf(r.out, "netraid serve: %s: not serving\n", tag.c_str());
  return kNotServing;
}

int stop(const std::string& dir, const std::string& tag, bool drop, ServeResult& r) {
  const pid_t pid = serving_pid(dir, tag);
  if (!pid) {
    remove_files(dir, tag);
    appendf(r.out, "netraid serve: %s: not serving, nothing to stop\n", tag.c_str());
    return kOk;
  }
  kill(pid, drop ? SIGKILL : SIGTERM);
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(10);
  while (!gone(pid) && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!gone(pid)) {
    kill(pid, SIGKILL);
    deadline = clock::now() + std::chrono::seconds(5);
    while (!gone(pid) && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!gone(pid)) {
    appendf(r.err, "netraid serve: %s: nbdkit pid %d does not exit: check it (ps -p %d)\n", tag.c_str(),
            static_cast<int>(pid), static_cast<int>(pid));
    return kFailed;
  }
  remove_files(dir, tag);
  appendf(r.out, "netraid serve: %s: stopped (pid %d)\n", tag.c_str(), static_cast<int>(pid));
  return kOk;
}

// argv as posix_spawn takes it; points into argv, which must outlive it.
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  return cargv;
}

// Waits for a spawned child (EINTR retried); its wait status.
int wait_for(pid_t child) {
  int ws = 0;
  while (waitpid(child, &ws, 0) < 0 && errno == EINTR) {
  }
  return ws;
}

// Exit status of argv run quietly (-1 when it cannot run).
int run_quiet(const std::vector<std::string>& argv) {
  auto cargv = c_argv(argv);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t child = 0;
  const int err = posix_spawnp(&child, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err) return -1;
  const int ws = wait_for(child);
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

int start(const std::string& dir, ServeOptions opts, bool takeover, ServeResult& r) {
  struct stat st {};
  opts.plugin = choose_plugin(std::getenv("NETRAID_PLUGIN"), stat(NETRAID_PLUGIN_BUILD_PATH, &st) == 0,
                              NETRAID_PLUGIN_BUILD_PATH, NETRAID_PLUGIN_INSTALL_PATH);
  opts.pid_file = pid_file_for(dir, opts.tag);
  // Debian 12's nbdkit 1.32 ip filter parses no address (built without
  // inet_pton); then the plugin's own allow=/deny=all do the same job.
  opts.stock_ip_filter = run_quiet(ip_filter_probe_argv(opts.nbdkit)) == 0;
  const auto argv = nbdkit_argv(opts);
  const std::string argv_file = argv_file_for(dir, opts.tag);

  if (pid_t pid = serving_pid(dir, opts.tag)) {
    if (read_file(argv_file, "server options file") == joined(argv)) {
      appendf(r.out, "netraid serve: %s: already serving %s (pid %d)\n", opts.tag.c_str(), opts.device.c_str(),
              static_cast<int>(pid));
      return kOk;
    }
    if (takeover) {
      // The new source of the mirror (after a failover) takes this target
      // over from the previous one: the old server must go, or it keeps the
      // disk open for a source that is no longer in service.
      appendf(r.out, "netraid serve: %s: taking over from the server started for another source (pid %d)\n",
              opts.tag.c_str(), static_cast<int>(pid));
      if (stop(dir, opts.tag, false, r) != kOk) return kFailed;
      return start(dir, std::move(opts), false, r);
    }
    appendf(r.err,
            "netraid serve: %s: already served with other options (pid %d): run netraid serve --stop %s first\n",
            opts.tag.c_str(), static_cast<int>(pid), opts.tag.c_str());
    return kFailed;
  }
  if (!opts.tls_psk_file.empty()) {
    if (lstat(opts.tls_psk_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      appendf(r.err,
              "netraid serve: %s: this system has no key for the mirror (%s): run 'netraid extend' or 'netraid rotate-key %s' on the source\n",
              opts.tag.c_str(), opts.tls_psk_file.c_str(), opts.tag.c_str());
      return kFailed;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
      appendf(r.err, "netraid serve: %s: key file %s may be read by others: chmod 600 it\n", opts.tag.c_str(),
              opts.tls_psk_file.c_str());
      return kFailed;
    }
  }
  if (stat(opts.plugin.c_str(), &st) != 0) {
    appendf(r.err, "netraid serve: plugin %s not found: build it or set NETRAID_PLUGIN\n", opts.plugin.c_str());
    return kFailed;
  }
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    appendf(r.err, "netraid serve: mkdir %s: %s: check permissions or set NETRAID_RUN_DIR\n", dir.c_str(),
            std::strerror(errno));
    return kFailed;
  }
  remove_files(dir, opts.tag);  // stale: no live server owns them

  auto cargv = c_argv(argv);
  pid_t child = 0;
  if (int err = posix_spawnp(&child, cargv[0], nullptr, nullptr, cargv.data(), environ)) {
    appendf(r.err, "netraid serve: cannot run %s: %s: install nbdkit\n", cargv[0], std::strerror(err));
    return kFailed;
  }
  // nbdkit checks the device (plugin get_ready) and binds before it forks
  // into the background, so its exit status tells whether it serves. Its own
  // messages go straight to the inherited stderr, before ours.
  const int wstatus = wait_for(child);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    appendf(r.err, "netraid serve: %s: nbdkit refused to start (see its message above)\n", opts.tag.c_str());
    return kFailed;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pid_t pid = 0;
  while (!(pid = serving_pid(dir, opts.tag)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!pid) {
    appendf(r.err, "netraid serve: %s: nbdkit started but wrote no pid file %s: check the system log\n",
            opts.tag.c_str(), opts.pid_file.c_str());
    return kFailed;
  }
  netraid::common::write_file_durably(argv_file, joined(argv));
  appendf(r.out, "netraid serve: %s: serving %s on %s:%u (pid %d)\n", opts.tag.c_str(), opts.device.c_str(),
          opts.listen.empty() ? "*" : opts.listen.c_str(), static_cast<unsigned>(opts.port),
          static_cast<int>(pid));
  return kOk;
}

// Runs an action, keeping what it collected before a FileError.
template <class Action>
ServeResult collected(Action&& action) {
  ServeResult r;
  try {
    r.exit_code = action(r);
  } catch (const netraid::common::FileError& e) {
    // A pid or options file that cannot be read or written: whether TAG is
    // served is unknown, so neither "not serving" (3) nor a start.
    appendf(r.err, "netraid serve: %s\n", e.what());
    r.exit_code = kFailed;
  }
  return r;
}

}  // namespace

ServeResult serve_status(const std::string& run_dir, const std::string& tag) {
  return collected([&](ServeResult& r) { return status(run_dir, tag, r); });
}

ServeResult serve_stop(const std::string& run_dir, const std::string& tag, bool drop) {
  return collected([&](ServeResult& r) { return stop(run_dir, tag, drop, r); });
}

ServeResult serve_start(const std::string& run_dir, ServeOptions opts, bool takeover) {
  return collected([&](ServeResult& r) { return start(run_dir, std::move(opts), takeover, r); });
}

std::string run_dir_from_environment() {
  const char* d = std::getenv("NETRAID_RUN_DIR");
  return (d && *d) ? d : "/run/netraid";
}

}  // namespace netraid::server
