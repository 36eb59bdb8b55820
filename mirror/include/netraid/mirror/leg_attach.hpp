// SPDX-License-Identifier: GPL-2.0-or-later
// A target's leg on the source, the same way from extend, the resync pass,
// unextend, remove and delete: what to connect, the watcher that keeps a
// link with a grace period alive, write-mostly, and the disconnect.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mirror/context.hpp"

namespace netraid::mirror {

// Target `t` of `m` as a kernel NBD link; `device` "" = any free one.
// Through TLS with this system's key of the mirror when m.tls.
NbdLink nbd_link(const Context& ctx, const config::MirrorConfig& m, const config::System& t,
                 const std::string& device, std::uint64_t min_bytes);

// Pure: the `netraid serve` arguments that make target `t` serve its leg to
// the source at `source_address`: O_DIRECT, at least `min_bytes` (0: any),
// TLS when the mirror uses it; `takeover` after a failover (the target may
// still serve the previous source).
std::vector<std::string> serve_command(const config::MirrorConfig& m, const config::System& t,
                                       const std::string& source_address, std::uint64_t min_bytes, bool takeover);

// With a grace period (grace_seconds > 0) the kernel holds I/O on a dead link
// that long; `netraid nbd-watch` (started here, detached, logging to
// /var/log/netraid/TAG-HOST.watch.log) reconnects it in the meantime, so a
// short network blip costs no resync. It ends by itself when the device is
// detached. Without a grace period nothing is started: md fails the leg.
void start_link_watch(const Context& ctx, const config::MirrorConfig& m, const std::string& host,
                      const std::string& nbd);

// A target's leg serves writes only (reads come from the local leg); the
// source's own leg, after a failover, serves reads again.
void set_write_mostly(const Context& ctx, const std::string& md_device, const std::string& leg, bool on);

// Stops M's array if it runs here, then detaches every target's leg and
// forgets them: the mirror is down on this system (remove, delete).
void stop_array_and_legs(const Context& ctx, const config::MirrorConfig& m);

// Disconnects NBD (after md let go of it). A failure is said, not thrown:
// the callers are tearing down and go on.
void detach_leg(const Context& ctx, const std::string& nbd);

}  // namespace netraid::mirror
