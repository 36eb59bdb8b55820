// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/leg_attach.hpp"

#include <filesystem>

#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mdadm/sysfs_values.hpp"
#include "netraid/mirror/link_key.hpp"

namespace netraid::mirror {

NbdLink nbd_link(const Context& ctx, const config::MirrorConfig& m, const config::System& t,
                 const std::string& device, std::uint64_t min_bytes) {
  NbdLink link;
  if (m.tls) link.tls_psk_file = link_key::key_file(ctx.settings, m.tag);
  link.address = t.address;
  link.port = t.port;
  link.export_name = m.tag;
  link.device = device;
  link.min_bytes = min_bytes;
  link.grace_seconds = m.grace_seconds;
  return link;
}

std::vector<std::string> serve_command(const config::MirrorConfig& m, const config::System& t,
                                       const std::string& source_address, std::uint64_t min_bytes, bool takeover) {
  std::vector<std::string> serve{"serve", m.tag, "--device", t.device, "--listen", t.address,
                                 "--port", std::to_string(t.port), "--allow", source_address,
                                 // O_DIRECT: an acknowledged write must not sit in the target's page
                                 // cache, or a target crash loses it behind md's back (README).
                                 "--direct"};
  if (takeover) serve.push_back("--takeover");
  if (m.tls) serve.push_back("--tls");
  if (min_bytes > 0) serve.insert(serve.end(), {"--size", std::to_string(min_bytes)});
  return serve;
}

void start_link_watch(const Context& ctx, const config::MirrorConfig& m, const std::string& host,
                      const std::string& nbd) {
  if (m.grace_seconds == 0) return;
  std::vector<std::string> args{"nbd-watch", nbd};
  if (m.tls) args.insert(args.end(), {"--tls-psk", link_key::key_file(ctx.settings, m.tag)});
  // Under a cluster manager: outdate the target there before md may go on
  // without it (docs/pacemaker.md, fence-peer).
  if (!ctx.settings.fence_peer.empty())
    args.insert(args.end(), {"--fence-peer", ctx.settings.fence_peer, "--mirror", m.tag, "--peer", host});
  ctx.system->start_detached_self(args, "/var/log/netraid/" + m.tag + "-" + host + ".watch.log");
  ctx.say("watching the link of " + nbd + " (" + host + "): I/O waits up to " + std::to_string(m.grace_seconds) +
          " s for a reconnect before md fails the leg");
}

void set_write_mostly(const Context& ctx, const std::string& md_device, const std::string& leg, bool on) {
  ctx.system->md_write(md_name(md_device), "dev-" + std::filesystem::path(leg).filename().string() + "/state",
                       std::string(on ? mdadm::kWriteMostlyOn : mdadm::kWriteMostlyOff));
}

void stop_array_and_legs(const Context& ctx, const config::MirrorConfig& m) {
  if (mirror_active(ctx, m, ctx.settings.node_name)) {
    ctx.say("stopping " + m.md_device);
    ctx.mdadm_checked(mdadm::stop_argv(m.md_device));
  }
  for (const auto& [host, nbd] : load_legs(ctx, m.tag)) {
    ctx.say("detaching " + nbd + " (" + host + ")");
    detach_leg(ctx, nbd);
  }
  save_legs(ctx, m.tag, {});
}

void detach_leg(const Context& ctx, const std::string& nbd) {
  try {
    ctx.system->detach(nbd);
  } catch (const std::exception& e) {
    ctx.say("warning: " + nbd + " was not detached: " + e.what() + " (run 'netraid detach " + nbd + "')");
  }
}

}  // namespace netraid::mirror
