// SPDX-License-Identifier: GPL-2.0-or-later
// The thin socket side: TCP connect with a deadline, and the handshake over it.
#pragma once
#include <chrono>

#include "netraid/common/unique_fd.hpp"
#include "netraid/nbd/options.hpp"
#include "netraid/nbd/protocol.hpp"

namespace netraid::nbd {

using common::UniqueFd;

struct Connection {
  UniqueFd fd;
  ExportInfo info;
};

// Opens a connection to a target and runs the handshake.
class Dialer {
 public:
  virtual ~Dialer() = default;
  virtual Connection dial(const Target& target) = 0;
};

class TcpDialer : public Dialer {
 public:
  explicit TcpDialer(std::chrono::milliseconds deadline = std::chrono::seconds(10)) : deadline_(deadline) {}
  // Throws ClientError(kNetwork) for refused/unreachable/timeouts, or the
  // handshake's errors. The returned socket is blocking, with no timeouts set
  // (the kernel applies its own).
  Connection dial(const Target& target) override;

 private:
  std::chrono::milliseconds deadline_;
};

}  // namespace netraid::nbd
