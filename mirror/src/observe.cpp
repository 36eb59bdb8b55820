// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/observe.hpp"

#include <filesystem>

#include "netraid/mdadm/mdstat.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/released_copy.hpp"
#include "netraid/mirror/seeded_targets.hpp"
#include "netraid/mirror/verify.hpp"
#include "peer_flags.hpp"

namespace netraid::mirror::status {

namespace fs = std::filesystem;

NodeObservations observe_node(const Context& ctx, const config::MirrorConfig& m) {
  NodeObservations seen;
  seen.this_node = ctx.settings.node_name;
  std::error_code ec;
  // md_device may be a symlink (/dev/md/NAME); the kernel name is its target's.
  const auto real = fs::canonical(m.md_device, ec);
  seen.array_name = ec ? md_name(m.md_device) : real.filename().string();
  if (md_active(ctx, "/dev/" + seen.array_name) && mirror_active(ctx, m, ctx.settings.node_name))
    for (const auto& member : ctx.system->md_members(seen.array_name))
      if (auto state = ctx.system->md_read(seen.array_name, "dev-" + member + "/state"))
        seen.member_states[member] = *state;
  for (const auto& [host, nbd] : load_legs(ctx, m.tag)) seen.attached_nbd[host] = nbd;
  for (const auto& host : load_paused(ctx, m.tag)) seen.paused_targets.insert(host);
  try {
    seen.seeded_targets = seeded::load(ctx, m.tag);
  } catch (const std::exception&) {
  }
  seen.last_verify = verify::load(ctx, m.tag);
  seen.serving_as_target = ctx.system->serving(m.tag);
  try {
    if (const auto copy = released::load(ctx, m.tag); copy && !seen.serving_as_target) {
      seen.paused_here = true;
      seen.copy_device = copy->copy_device;
    }
  } catch (const std::exception&) {
  }
  try {
    const auto flags = failover::flag_store(ctx);
    const auto owner = flags.last_owner(m.tag);
    seen.expected_source = owner && *owner == ctx.settings.node_name;
    if (flags.wait_started(m.tag)) seen.waiting_for_previous_source = flags.source(m.tag).value_or("");
  } catch (const std::exception&) {
    seen.expected_source = false;
  }
  return seen;
}

std::vector<MirrorStatus> observe_mirrors(const Context& ctx, const std::vector<config::MirrorConfig>& mirrors) {
  const auto mdstat = mdadm::parse_mdstat(ctx.system->read_proc("/proc/mdstat").value_or(""));
  std::vector<MirrorStatus> all;
  for (const auto& m : mirrors) {
    auto in_force = mirror_tunables(ctx, m);  // a bad combination stops status before any effect
    failover::record_target_states(ctx, m);
    all.push_back(compute_mirror_status(m, mdstat, observe_node(ctx, m)));
    all.back().tunables = std::move(in_force);
  }
  return all;
}

ResyncSample sample_resync(const Context& ctx, const config::MirrorConfig& m) {
  const auto md = md_name(m.md_device);
  const auto read = [&](const char* attribute) {
    auto value = ctx.system->md_read(md, attribute);
    if (!value) throw OpError("mirror " + m.tag + " was deleted or stopped: see 'netraid status " + m.tag + "'");
    return *value;
  };
  ResyncSample s;
  s.action = read("sync_action");
  try {
    s.degraded = static_cast<unsigned>(std::stoul(read("degraded")));
  } catch (const std::invalid_argument&) {
    throw OpError(m.md_device + "'s degraded count is not a number: check the kernel's md");
  }
  const auto completed = read("sync_completed");  // "123 / 456" or "none"
  if (auto slash = completed.find('/'); slash != std::string::npos) {
    s.done_sectors = std::stoull(completed.substr(0, slash));
    s.total_sectors = std::stoull(completed.substr(slash + 1));
  }
  return s;
}

}  // namespace netraid::mirror::status
