// SPDX-License-Identifier: GPL-2.0-or-later
// Runs mdadm (or, in tests, another program) with an argument vector through
// Boost.Process: no shell, output and exit code captured.
#pragma once
#include <stdexcept>
#include <string>

#include "netraid/mdadm/mdadm_argv.hpp"

namespace netraid::mdadm {

struct RunResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// mdadm ran and failed, or could not be started. what() is one line.
struct MdadmError : std::runtime_error {
  MdadmError(const std::string& message, RunResult run_result)
      : std::runtime_error(message), result(std::move(run_result)) {}
  RunResult result;
};

// "mdadm --manage /dev/md0 --re-add /dev/nbd0: exit 1: mdadm: --re-add for
// /dev/nbd0 to /dev/md0 is not possible" (first non-empty stderr line, else
// stdout's). Pure, so the wording is tested.
std::string describe_failure(const std::string& program, const Argv& argv, const RunResult& result);

class MdadmRunner {
 public:
  // `program` is a path or a name looked up in PATH, then /usr/sbin, /sbin
  // (an init script's PATH is often bare).
  explicit MdadmRunner(std::string program = "mdadm");

  // Runs and returns whatever happened; throws MdadmError only when the
  // program cannot be found or started.
  RunResult run(const Argv& argv) const;
  // The same with `input` on the program's standard input (closed after it).
  RunResult run(const Argv& argv, const std::string& input) const;

  // Like run(), but a non-zero exit is an MdadmError too.
  RunResult run_checked(const Argv& argv) const;

 private:
  std::string program_;
};

}  // namespace netraid::mdadm
