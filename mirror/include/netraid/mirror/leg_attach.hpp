// SPDX-License-Identifier: GPL-2.0-or-later
// Attaching one target of a mirror as a kernel NBD device, the same way from
// extend and from the resync pass: the attach arguments, and for mirrors with
// a grace period the watcher that keeps the link alive across short outages.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mirror/mirror_ops.hpp"

namespace netraid::mirror {

// `netraid attach` arguments for target `t` of `m`; `device` "" = any free one.
std::vector<std::string> attach_args(const config::MirrorConfig& m, const config::System& t,
                                     const std::string& device, std::uint64_t min_bytes);

// The last /dev/nbdN that `netraid attach` printed, "" if none.
std::string nbd_device_in(const std::string& text);

// With a grace period (grace_seconds > 0) the kernel holds I/O on a dead link
// that long; `netraid nbd-watch` (started here, detached, logging to
// /var/log/netraid/TAG-HOST.watch.log) reconnects it in the meantime, so a
// short network blip costs no resync. It ends by itself when the device is
// detached. Without a grace period nothing is started: md fails the leg.
void start_link_watch(const Context& ctx, const config::MirrorConfig& m, const std::string& host,
                      const std::string& nbd);

}  // namespace netraid::mirror
