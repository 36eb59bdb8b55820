// SPDX-License-Identifier: GPL-2.0-or-later
// How the orchestration fails: one line naming the problem and what to do,
// and the exit code (exit_codes.hpp) the front end returns.
#pragma once
#include <stdexcept>
#include <string>

#include "netraid/mirror/exit_codes.hpp"

namespace netraid::mirror {

struct OpError : std::runtime_error {
  OpError(const std::string& message, int code = kFailed) : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};
// Bad input: nothing was changed.
struct UsageError : OpError {
  explicit UsageError(const std::string& message) : OpError(message, kUsage) {}
};

}  // namespace netraid::mirror
