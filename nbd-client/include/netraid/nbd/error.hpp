// SPDX-License-Identifier: GPL-2.0-or-later
// Every failure of the client is one line: what happened, then what to do.
#pragma once
#include <stdexcept>
#include <string>

namespace netraid::nbd {

enum class ErrorKind {
  kUsage,        // bad input from the caller: nothing was tried
  kProtocol,     // the server said something we cannot accept
  kTarget,       // the target is reachable but unfit (size, flags, export name)
  kNetwork,      // cannot reach the target
  kKernel,       // the nbd driver refused or is missing
};

struct ClientError : std::runtime_error {
  ClientError(ErrorKind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  ErrorKind kind;
};

[[noreturn]] inline void fail(ErrorKind k, const std::string& what) { throw ClientError(k, what); }

}  // namespace netraid::nbd
