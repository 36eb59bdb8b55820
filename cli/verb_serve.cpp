// SPDX-License-Identifier: GPL-2.0-or-later
// netraid serve: start, stop and query the nbdkit that serves a mirror's
// target disk with our plugin. Argument parsing and the nbdkit command line
// are pure (nbd-server/nbdkit_command.cpp); this file runs the process and
// keeps its pid file under /run/netraid (NETRAID_RUN_DIR overrides).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "nbdkit_command.hpp"
#include "netraid/common/durable_file.hpp"
#include "netraid/common/file_error.hpp"
#include "netraid/common/small_file.hpp"
#include "verb.hpp"

extern char** environ;

namespace {

using namespace netraid::server;
using namespace netraid::cli;

constexpr int kNotServing = 3;  // --status: like LSB "program is not running"

const char* kHelp =
    "usage: netraid serve TAG --device DEV --allow ADDR [--allow ADDR...]\n"
    "                     [--listen ADDR] [--port N] [--size BYTES] [--direct]\n"
    "                     [--takeover]\n"
    "       netraid serve --stop TAG\n"
    "       netraid serve --status TAG     (exit 0 serving, 3 not serving)\n"
    "Serves DEV as export TAG with nbdkit and the netraid plugin, in the background;\n"
    "only the --allow addresses may connect. Default port 10809. --takeover stops a\n"
    "server of TAG started with other options (for a previous source) first.\n";

std::string run_dir() {
  const char* d = std::getenv("NETRAID_RUN_DIR");
  return (d && *d) ? d : "/run/netraid";
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
pid_t serving_pid(const std::string& tag) {
  const std::string text = read_file(pid_file_for(run_dir(), tag), "pid file");
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

void remove_files(const std::string& tag) {
  unlink(pid_file_for(run_dir(), tag).c_str());
  unlink((run_dir() + "/" + tag + ".argv").c_str());
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += a + '\n';
  return out;
}

int status(const std::string& tag) {
  if (pid_t pid = serving_pid(tag)) {
    std::printf("netraid serve: %s: serving (pid %d)\n", tag.c_str(), static_cast<int>(pid));
    return kOk;
  }
  std::printf("netraid serve: %s: not serving\n", tag.c_str());
  return kNotServing;
}

int stop(const std::string& tag) {
  const pid_t pid = serving_pid(tag);
  if (!pid) {
    remove_files(tag);
    std::printf("netraid serve: %s: not serving, nothing to stop\n", tag.c_str());
    return kOk;
  }
  kill(pid, SIGTERM);
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(10);
  while (!gone(pid) && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!gone(pid)) {
    kill(pid, SIGKILL);
    deadline = clock::now() + std::chrono::seconds(5);
    while (!gone(pid) && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!gone(pid)) {
    std::fprintf(stderr, "netraid serve: %s: nbdkit pid %d does not exit: check it (ps -p %d)\n", tag.c_str(),
                 static_cast<int>(pid), static_cast<int>(pid));
    return kFailed;
  }
  remove_files(tag);
  std::printf("netraid serve: %s: stopped (pid %d)\n", tag.c_str(), static_cast<int>(pid));
  return kOk;
}

// Exit status of argv run quietly (-1 when it cannot run).
int run_quiet(const std::vector<std::string>& argv) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t child = 0;
  const int err = posix_spawnp(&child, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err) return -1;
  int ws = 0;
  while (waitpid(child, &ws, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

int start(ServeOptions opts, bool takeover) {
  const std::string dir = run_dir();
  struct stat st {};
  opts.plugin = choose_plugin(std::getenv("NETRAID_PLUGIN"), stat(NETRAID_PLUGIN_BUILD_PATH, &st) == 0,
                              NETRAID_PLUGIN_BUILD_PATH, NETRAID_PLUGIN_INSTALL_PATH);
  opts.pid_file = pid_file_for(dir, opts.tag);
  // Debian 12's nbdkit 1.32 ip filter parses no address (built without
  // inet_pton); then the plugin's own allow=/deny=all do the same job.
  opts.stock_ip_filter = run_quiet(ip_filter_probe_argv(opts.nbdkit)) == 0;
  const auto argv = nbdkit_argv(opts);
  const std::string argv_file = dir + "/" + opts.tag + ".argv";

  if (pid_t pid = serving_pid(opts.tag)) {
    if (read_file(argv_file, "server options file") == joined(argv)) {
      std::printf("netraid serve: %s: already serving %s (pid %d)\n", opts.tag.c_str(), opts.device.c_str(),
                  static_cast<int>(pid));
      return kOk;
    }
    if (takeover) {
      // The new source of the mirror (after a failover) takes this target
      // over from the previous one: the old server must go, or it keeps the
      // disk open for a source that is no longer in service.
      std::printf("netraid serve: %s: taking over from the server started for another source (pid %d)\n",
                  opts.tag.c_str(), static_cast<int>(pid));
      if (stop(opts.tag) != kOk) return kFailed;
      return start(std::move(opts), false);
    }
    std::fprintf(stderr,
                 "netraid serve: %s: already served with other options (pid %d): run netraid serve --stop %s first\n",
                 opts.tag.c_str(), static_cast<int>(pid), opts.tag.c_str());
    return kFailed;
  }
  if (stat(opts.plugin.c_str(), &st) != 0) {
    std::fprintf(stderr, "netraid serve: plugin %s not found: build it or set NETRAID_PLUGIN\n", opts.plugin.c_str());
    return kFailed;
  }
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "netraid serve: mkdir %s: %s: check permissions or set NETRAID_RUN_DIR\n", dir.c_str(),
                 std::strerror(errno));
    return kFailed;
  }
  remove_files(opts.tag);  // stale: no live server owns them

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t child = 0;
  if (int err = posix_spawnp(&child, cargv[0], nullptr, nullptr, cargv.data(), environ)) {
    std::fprintf(stderr, "netraid serve: cannot run %s: %s: install nbdkit\n", cargv[0], std::strerror(err));
    return kFailed;
  }
  // nbdkit checks the device (plugin get_ready) and binds before it forks
  // into the background, so its exit status tells whether it serves.
  int wstatus = 0;
  while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    std::fprintf(stderr, "netraid serve: %s: nbdkit refused to start (see its message above)\n", opts.tag.c_str());
    return kFailed;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pid_t pid = 0;
  while (!(pid = serving_pid(opts.tag)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!pid) {
    std::fprintf(stderr, "netraid serve: %s: nbdkit started but wrote no pid file %s: check the system log\n",
                 opts.tag.c_str(), opts.pid_file.c_str());
    return kFailed;
  }
  netraid::common::write_file_durably(argv_file, joined(argv));
  std::printf("netraid serve: %s: serving %s on %s:%u (pid %d)\n", opts.tag.c_str(), opts.device.c_str(),
              opts.listen.empty() ? "*" : opts.listen.c_str(), static_cast<unsigned>(opts.port),
              static_cast<int>(pid));
  return kOk;
}

int run_serve(std::span<const std::string> args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return kOk;
    }
  auto parsed = parse_serve_args(args);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "%s\n", err->c_str());
    return kUsage;
  }
  const auto& req = std::get<ServeRequest>(parsed);
  try {
    switch (req.action) {
      case ServeAction::status:
        return status(req.opts.tag);
      case ServeAction::stop:
        return stop(req.opts.tag);
      case ServeAction::start:
        break;
    }
    return start(req.opts, req.takeover);
  } catch (const netraid::common::FileError& e) {
    // A pid or options file that cannot be read or written: whether TAG is
    // served is unknown, so neither "not serving" (3) nor a start.
    std::fprintf(stderr, "netraid serve: %s\n", e.what());
    return kFailed;
  }
}

}  // namespace

NETRAID_VERB("serve", kBuildingBlocks, "serve a mirror's target disk with nbdkit (start, --stop, --status)", run_serve);
