// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/client.hpp"

#include <thread>

#include "netraid/nbd/error.hpp"

namespace netraid::nbd {

AttachResult attach(NbdKernel& kernel, Dialer& dialer, const AttachOptions& options) {
  const auto& t = options.target;
  if (options.connections < 1 || options.connections > kMaxConnections)
    fail(ErrorKind::kUsage, "invalid connections " + std::to_string(options.connections) + ": give 1..16");
  if (options.timeout_s < 1)
    fail(ErrorKind::kUsage, "invalid timeout 0: give 1 or more seconds");
  if (options.index) {
    for (const auto& d : kernel.status(options.index))
      if (d.index == *options.index && d.connected)
        fail(ErrorKind::kKernel, device_path(*options.index) +
                                     " is already attached: detach it first (netraid detach) or choose another --device");
  }

  std::vector<Connection> conns;
  for (unsigned i = 0; i < options.connections; ++i) {
    conns.push_back(dialer.dial(t));
    const auto& info = conns.back().info;
    if (i == 0) {
      check_export(info, {options.min_size, options.connections}, t.where() + " export '" + t.tag + "'");
    } else if (info.size != conns[0].info.size || info.flags != conns[0].info.flags) {
      fail(ErrorKind::kTarget, t.where() + ": connection " + std::to_string(i + 1) +
                                   " saw a different export size or flags: the target changed under us; retry");
    }
  }
  AttachResult result;
  result.info = conns[0].info;
  result.block_size = choose_block_size(result.info, t.where());

  ConnectRequest req;
  req.index = options.index;
  req.size_bytes = result.info.size;
  req.block_size = result.block_size;
  req.server_flags = result.info.flags;
  req.timeout_s = options.timeout_s;
  req.dead_conn_timeout_s = options.dead_conn_timeout_s;
  req.backend = backend_identifier(t);
  for (const auto& c : conns) req.fds.push_back(c.fd.get());
  result.index = kernel.connect(req);
  // The kernel holds its own references to the sockets; ours close here.
  return result;
}

bool detach(NbdKernel& kernel, unsigned index) {
  bool connected = false;
  for (const auto& d : kernel.status(index))
    if (d.index == index) connected = d.connected;
  if (!connected) return false;
  kernel.disconnect(index);
  return true;
}

std::vector<DeviceReport> report(NbdKernel& kernel, std::optional<unsigned> index) {
  std::vector<DeviceReport> out;
  for (const auto& d : kernel.status(index)) {
    if (index && d.index != *index) continue;
    DeviceReport r{d.index, d.connected, std::nullopt, std::nullopt};
    if (d.connected) {
      r.backend = kernel.backend(d.index);
      r.size_bytes = kernel.size_bytes(d.index);
    }
    out.push_back(r);
  }
  return out;
}

std::chrono::milliseconds SteadyClock::now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}
void SteadyClock::sleep(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

namespace {
bool still_attached(NbdKernel& kernel, unsigned index) {
  for (const auto& d : kernel.status(index))
    if (d.index == index) return d.connected;
  return false;
}
}  // namespace

WatchEnd watch(NbdKernel& kernel, Dialer& dialer, LinkEvents& events, Clock& clock, unsigned index,
               const Target& target, std::uint64_t size_bytes, const WatchPolicy& policy,
               const std::function<void(const std::string&)>& log, const std::atomic<bool>* stop) {
  const auto dev = device_path(index);
  const auto backend = backend_identifier(target);
  auto stopped = [&] { return stop && stop->load(); };
  while (!stopped()) {
    const auto dead = events.wait_link_dead(policy.poll);
    if (stopped()) return WatchEnd::kStopped;
    if (!dead) {
      if (!still_attached(kernel, index)) {
        log(dev + ": detached; watcher ends");
        return WatchEnd::kDetached;
      }
      continue;
    }
    if (*dead != index) continue;
    log(dev + ": connection to " + target.where() + " died; reconnecting");
    const auto start = clock.now();
    for (unsigned attempt = 0;; ++attempt) {
      if (stopped()) return WatchEnd::kStopped;
      try {
        auto conn = dialer.dial(target);
        // The device's size now: `netraid resize` may have grown it since
        // the watcher started.
        const std::uint64_t expected = kernel.size_bytes(index).value_or(size_bytes);
        if (conn.info.size != expected)
          fail(ErrorKind::kTarget, target.where() + ": export is now " + std::to_string(conn.info.size) +
                                       " bytes, the device has " + std::to_string(expected) +
                                       ": not reconnecting to a different disk; fix the target");
        check_export(conn.info, {expected, 1}, target.where());
        kernel.reconfigure(index, backend, {conn.fd.get()});
        log(dev + ": reconnected to " + target.where() + " after " + std::to_string(attempt + 1) + " attempt(s)");
        break;
      } catch (const ClientError& e) {
        if (!still_attached(kernel, index)) {
          log(dev + ": detached; watcher ends");
          return WatchEnd::kDetached;
        }
        // A blip costs one failed dial; a link that stays down outdates the
        // target before md may complete a write without it.
        if (policy.outdate_peer) {
          if (policy.outdate_peer()) {
            log(dev + ": " + target.where() + " recorded outdated; disconnecting so md goes on without it");
            kernel.disconnect(index);
            return WatchEnd::kOutdated;
          }
          log(dev + ": " + target.where() + " could not be recorded outdated: its I/O stays frozen");
        }
        const auto elapsed = clock.now() - start;
        if (should_give_up(elapsed, policy.give_up_s)) {
          log(dev + ": giving up after " + std::to_string(attempt + 1) + " attempt(s): " + e.what());
          return WatchEnd::kGaveUp;
        }
        const auto d = policy.backoff.delay(attempt);
        log(dev + ": attempt " + std::to_string(attempt + 1) + " failed (" + e.what() + "); next in " +
            std::to_string(d.count()) + " ms");
        clock.sleep(d);
      }
    }
  }
  return WatchEnd::kStopped;
}

void regrow(NbdKernel& kernel, Dialer& dialer, LinkEvents& events, Clock& clock, unsigned index, const Target& target,
            const RegrowOptions& options, const std::function<void()>& drop_connection) {
  const auto dev = device_path(index);
  const auto backend = backend_identifier(target);
  if (!still_attached(kernel, index))
    fail(ErrorKind::kKernel, dev + " is not attached: reconnect the target first (netraid resync)");
  kernel.resize(index, backend, options.size_bytes, options.hold_s);
  try {
    drop_connection();
    const auto start = clock.now();
    bool dead = false;
    while (!dead && clock.now() - start < options.wait_dead) {
      const auto e = events.wait_link_dead(std::chrono::milliseconds(500));
      dead = e && *e == index;
    }
    if (!dead)
      fail(ErrorKind::kTarget, dev + ": the connection to " + target.where() + " did not drop within " +
                                   std::to_string(options.wait_dead.count() / 1000) +
                                   " s after its server restarted: check the target's netraid serve");
    const auto since_dead = clock.now();
    for (unsigned attempt = 0;; ++attempt) {
      try {
        auto conn = dialer.dial(target);
        check_export(conn.info, {options.size_bytes, 1}, target.where() + " export '" + target.tag + "'");
        kernel.reconfigure(index, backend, {conn.fd.get()});
        break;
      } catch (const ClientError&) {
        if (clock.now() - since_dead >= options.wait_dead) throw;
        clock.sleep(options.backoff.delay(attempt));
      }
    }
  } catch (...) {
    try {
      kernel.resize(index, backend, options.size_bytes, options.restore_dead_conn_timeout_s);
    } catch (const ClientError&) {  // the first failure is the one to report
    }
    throw;
  }
  kernel.resize(index, backend, options.size_bytes, options.restore_dead_conn_timeout_s);
}

}  // namespace netraid::nbd
