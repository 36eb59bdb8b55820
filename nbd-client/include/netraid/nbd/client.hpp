// SPDX-License-Identifier: GPL-2.0-or-later
// The client's operations over the kernel and dialer interfaces: attach,
// detach, status and the reconnect watcher. Pure of I/O except through them.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netraid/nbd/kernel.hpp"
#include "netraid/nbd/options.hpp"
#include "netraid/nbd/socket.hpp"

namespace netraid::nbd {

struct AttachResult {
  unsigned index = 0;
  ExportInfo info;
  std::uint64_t block_size = 512;
};

// Dials options.connections sockets, checks the export, hands them to the
// kernel. On any failure nothing stays attached. Throws ClientError.
AttachResult attach(NbdKernel& kernel, Dialer& dialer, const AttachOptions& options);

// Returns false when the device was not attached (nothing to do).
bool detach(NbdKernel& kernel, unsigned index);

struct DeviceReport {
  unsigned index = 0;
  bool connected = false;
  std::optional<std::string> backend;
  std::optional<std::uint64_t> size_bytes;
};
std::vector<DeviceReport> report(NbdKernel& kernel, std::optional<unsigned> index);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::milliseconds now() = 0;
  virtual void sleep(std::chrono::milliseconds d) = 0;
};
class SteadyClock : public Clock {
 public:
  std::chrono::milliseconds now() override;
  void sleep(std::chrono::milliseconds d) override;
};

struct WatchPolicy {
  Backoff backoff;
  std::uint64_t give_up_s = 0;  // 0 = keep trying while the device is attached
  std::chrono::milliseconds poll{1000};
  // Fence-peer (docs/pacemaker.md): when a first reconnect fails, before
  // each later attempt until it returns true. True: the target is recorded
  // outdated where the cluster manager honours it; the watcher disconnects
  // the device so the I/O it holds fails and md goes on without the leg.
  // False: recorded nowhere; the I/O stays held (the device's dead-connection
  // timeout bounds it) while reconnecting goes on. Empty: not used.
  std::function<bool()> outdate_peer;
};

// kOutdated: the target was recorded outdated and the device disconnected.
enum class WatchEnd { kDetached, kStopped, kGaveUp, kOutdated };

// Waits for NBD_CMD_LINK_DEAD on `index` and replaces the dead socket with a
// fresh, negotiated one (NBD_CMD_RECONFIGURE) so the device stays the same.
// Ends when the device is detached, `stop` becomes true, or after give_up_s
// of failed attempts.
WatchEnd watch(NbdKernel& kernel, Dialer& dialer, LinkEvents& events, Clock& clock, unsigned index,
               const Target& target, std::uint64_t size_bytes, const WatchPolicy& policy,
               const std::function<void(const std::string&)>& log, const std::atomic<bool>* stop = nullptr);

// A target's disk grew (lvextend there) and attached device INDEX is to
// serve all of it, without md or anyone above seeing an I/O error. A live
// NBD connection keeps the export size of its handshake (nbdkit checks every
// request against it), so the connection is replaced:
//  1. the kernel gets the new size and a dead-connection timeout of hold_s
//     (I/O waits that long for a reconnect instead of failing);
//  2. drop_connection() ends the current connection (the target restarts its
//     server);
//  3. after the kernel reports the link dead, a fresh, negotiated socket
//     whose export holds at least size_bytes replaces it (NBD_CMD_RECONFIGURE);
//  4. the dead-connection timeout goes back to restore_dead_conn_timeout_s.
// Step 4 runs also when a later step fails. `events` must be subscribed
// before the call. Throws ClientError naming what failed.
struct RegrowOptions {
  std::uint64_t size_bytes = 0;
  std::uint64_t hold_s = 30;
  std::uint64_t restore_dead_conn_timeout_s = 0;
  std::chrono::milliseconds wait_dead{20000};  // for the link to drop, then for a reconnect
  Backoff backoff;
};
void regrow(NbdKernel& kernel, Dialer& dialer, LinkEvents& events, Clock& clock, unsigned index, const Target& target,
            const RegrowOptions& options, const std::function<void()>& drop_connection);

// libnbd probe of a target (user space; no kernel involved).
struct ProbeResult {
  std::uint64_t size = 0;
  bool can_flush = false, can_fua = false, read_only = false, can_multi_conn = false;
};
// Throws ClientError naming the problem (down, refused, wrong tag).
ProbeResult probe(const Target& target);

}  // namespace netraid::nbd
