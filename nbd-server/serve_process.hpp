// SPDX-License-Identifier: GPL-2.0-or-later
// The nbdkit that serves a target disk, as a process: start it, stop it, ask
// whether a tag is served, through its pid file under the run directory. A
// library of its own so that `netraid serve` and the orchestration (which
// stops or queries a served tag in-process) share it without re-running the
// netraid binary. Nothing here prints: messages come back in a ServeResult.
#pragma once
#include <string>

#include "nbdkit_command.hpp"

namespace netraid::server {

// What a serve action printed and its exit status, for the front end to pass on.
struct ServeResult {
  int exit_code = 0;   // 0 ok; 1 failed; status: 3 = not serving
  std::string out;     // lines for stdout, each ending in '\n'
  std::string err;     // lines for stderr, each ending in '\n'
};

// serve_status's exit code when TAG is not served (like LSB "program is not
// running").
inline constexpr int kNotServing = 3;

// Is TAG served by a live nbdkit (pid file under run_dir, checked against
// /proc)? exit_code 0 serving, kNotServing not, 1 when the pid file cannot be
// read (whether TAG is served is then unknown).
ServeResult serve_status(const std::string& run_dir, const std::string& tag);

// Stops TAG's nbdkit (SIGTERM, then SIGKILL; drop: SIGKILL at once, its
// connections dropped unanswered) and removes its files; not serving is fine
// (exit_code 0).
ServeResult serve_stop(const std::string& run_dir, const std::string& tag, bool drop = false);

// Starts nbdkit for opts.tag in the background (opts.plugin, opts.pid_file
// and opts.stock_ip_filter are filled in here). Serving with the same options
// already is fine; with other options it fails, unless takeover: then that
// server is stopped first.
ServeResult serve_start(const std::string& run_dir, ServeOptions opts, bool takeover);

// The default run dir: $NETRAID_RUN_DIR, else /run/netraid.
std::string run_dir_from_environment();

}  // namespace netraid::server
