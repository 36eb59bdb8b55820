// SPDX-License-Identifier: GPL-2.0-or-later
// netraid attach / nbd-watch: connect a target as /dev/nbdN through the
// kernel's netlink interface, and keep it connected (see docs/netraid-attach.pod).
#include <csignal>
#include <cstdio>
#include <atomic>
#include <functional>

#include "netraid/nbd/cli_args.hpp"
#include "netraid/nbd/client.hpp"
#include "netraid/nbd/error.hpp"
#include "netraid/mdadm/mdadm_runner.hpp"
#include "verb.hpp"

namespace {
using namespace netraid::nbd;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

const char* kAttachUsage =
    "usage: netraid attach HOST[:PORT] TAG [--device /dev/nbdN] [--connections N] [--size BYTES]\n"
    "                      [--timeout S] [--dead-conn-timeout S] [--supervise [--give-up S]]\n"
    "                      [--tls-psk FILE]\n"
    "Connects the target's export TAG as a kernel NBD device and prints the device.\n"
    "  --device /dev/nbdN     use this device (default: a free one the kernel picks)\n"
    "  --connections N        sockets per device, 1..16 (default 1)\n"
    "  --size BYTES           refuse a target smaller than this (K/M/G/T suffixes)\n"
    "  --timeout S            per-request timeout in seconds (default 10)\n"
    "  --dead-conn-timeout S  grace period: I/O waits this long for a reconnect (default 0: fail fast)\n"
    "  --supervise            stay in the foreground and reconnect dead links (NBD_CMD_RECONFIGURE)\n"
    "  --give-up S            with --supervise: stop trying after S seconds (default 0: never)\n"
    "  --tls-psk FILE         TLS with this pre-shared key file (IDENTITY:HEXKEY), the data path\n"
    "                         in kernel TLS; refused when the kernel cannot (no plaintext fallback)\n";

const char* kWatchUsage =
    "usage: netraid nbd-watch /dev/nbdN [--give-up S] [--tls-psk FILE]\n"
    "                         [--fence-peer PROGRAM --mirror TAG --peer HOST]\n"
    "Reconnects an attached device whenever its connection dies, keeping the same device.\n"
    "The target comes from the device's backend identifier (nbd://HOST:PORT/TAG, or\n"
    "nbds://... for a link through TLS, which needs the key: --tls-psk FILE).\n"
    "--fence-peer: when a reconnect fails, run PROGRAM TAG HOST until it exits 0 (HOST\n"
    "recorded outdated), then disconnect the device so md goes on without it; until\n"
    "then the device holds its I/O (docs/pacemaker.md, fence-peer).\n";

int supervise(NbdKernel& kernel, LinkEvents& events, unsigned index, const Target& target, std::uint64_t size,
              std::uint64_t give_up_s, std::function<bool()> outdate_peer = {}) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  TcpDialer dialer;
  SteadyClock clock;
  WatchPolicy policy;
  policy.give_up_s = give_up_s;
  policy.outdate_peer = std::move(outdate_peer);
  std::fprintf(stderr, "netraid: watch: %s: watching %s\n", device_path(index).c_str(), backend_identifier(target).c_str());
  const auto end = watch(kernel, dialer, events, clock, index, target, size, policy,
                         [](const std::string& line) { std::fprintf(stderr, "netraid: watch: %s\n", line.c_str()); },
                         &g_stop);
  return end == WatchEnd::kGaveUp ? 1 : 0;
}

// The fence-peer handler, run with an argument vector (no shell); its
// messages go to the watcher's log. Exit 0 = the peer is recorded outdated.
std::function<bool()> fence_peer_handler(const WatchArgs& w) {
  if (w.fence_peer.empty()) return {};
  return [w] {
    try {
      const auto r = netraid::mdadm::MdadmRunner(w.fence_peer).run({w.mirror, w.peer});
      for (const auto* text : {&r.out, &r.err})
        if (!text->empty()) std::fprintf(stderr, "netraid: watch: fence-peer: %s", text->c_str());
      return r.exit_code == 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "netraid: watch: fence-peer %s: %s\n", w.fence_peer.c_str(), e.what());
      return false;
    }
  };
}

int run_attach(std::span<const std::string> args) {
  if (wants_help(args, kAttachUsage)) return netraid::cli::kOk;
  return run_client_verb("attach", [&] {
    const auto opts = parse_attach_args(args);
    auto kernel = open_kernel();
    // Subscribe before attaching so no dead-link event can slip past.
    std::unique_ptr<LinkEvents> events;
    if (opts.supervise) events = subscribe_link_events();
    TcpDialer dialer;
    const auto r = attach(*kernel, dialer, opts);
    std::printf("%s\n", device_path(r.index).c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "netraid: attach: %s: %s, %llu bytes, flags %s, %u connection(s), timeout %llu s, grace %llu s\n",
                 device_path(r.index).c_str(), backend_identifier(opts.target).c_str(),
                 static_cast<unsigned long long>(r.info.size), describe_flags(r.info.flags).c_str(), opts.connections,
                 static_cast<unsigned long long>(opts.timeout_s),
                 static_cast<unsigned long long>(opts.dead_conn_timeout_s));
    if (!opts.supervise) return 0;
    return supervise(*kernel, *events, r.index, opts.target, r.info.size, opts.give_up_s);
  });
}

int run_watch(std::span<const std::string> args) {
  if (wants_help(args, kWatchUsage)) return netraid::cli::kOk;
  return run_client_verb("nbd-watch", [&] {
    const auto w = parse_watch_args(args);
    auto kernel = open_kernel();
    auto events = subscribe_link_events();
    const auto dev = device_path(w.index);
    bool connected = false;
    for (const auto& d : kernel->status(w.index))
      if (d.index == w.index) connected = d.connected;
    if (!connected) fail(ErrorKind::kKernel, dev + " is not attached: attach it first with netraid attach");
    const auto id = kernel->backend(w.index);
    bool tls = false;
    auto target = id ? parse_backend_identifier(*id, &tls) : std::nullopt;
    if (!target)
      fail(ErrorKind::kKernel, dev + " was not attached by netraid (backend '" + id.value_or("") +
                                   "'): attach it with netraid attach to watch it");
    if (tls != !w.tls_psk_file.empty())
      fail(ErrorKind::kUsage, dev + (tls ? " was attached through TLS: give its key with --tls-psk FILE"
                                         : " was attached without TLS: drop --tls-psk"));
    target->tls_psk_file = w.tls_psk_file;
    const auto size = kernel->size_bytes(w.index);
    if (!size) fail(ErrorKind::kKernel, dev + ": cannot read its size from /sys/block: is it still attached?");
    return supervise(*kernel, *events, w.index, *target, *size, w.give_up_s, fence_peer_handler(w));
  });
}
}  // namespace

NETRAID_VERB("attach", kBuildingBlocks, "connect a target's export as /dev/nbdN (kernel NBD, netlink)", run_attach);
NETRAID_VERB("nbd-watch", kBuildingBlocks, "reconnect an attached /dev/nbdN whenever its link dies", run_watch);
