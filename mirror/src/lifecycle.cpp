// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/lifecycle.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "netraid/common/first_line.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mirror/existing_fs.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/leg_attach.hpp"
#include "netraid/mirror/link_key.hpp"
#include "netraid/mirror/leg_plan.hpp"
#include "netraid/mirror/local_device.hpp"
#include "netraid/mirror/resync_rate.hpp"
#include "netraid/mirror/seeded_targets.hpp"

namespace netraid::mirror {

namespace fs = std::filesystem;
using common::first_line;
using config::MirrorConfig;



void record_new_mirror(const Context& ctx, const MirrorConfig& m) {
  apply_tunable_speed_limits(ctx, m);
  if (m.tls)
    link_key::create_key(ctx, m.tag);
  else
    ctx.say("warning: " + m.tag + " replicates in plaintext (--no-tls): whoever holds the source's address can read and write its targets");
  ctx.store.save(m);
  save_legs(ctx, m.tag, {});
  // issue 7: this system is the source of a new mirror (last_owner, source, first generation).
  failover::on_created(ctx, m.tag);
}

void create(Context& ctx, const CreateRequest& req) {
  if (req.existing_fs) {
    existing_fs::convert(ctx, req, {req.after_step, {}});
    return;
  }
  if (auto e = config::validate_tag(req.tag); !e.empty()) throw UsageError(e);
  if (auto e = config::validate_device_path(req.local_device); !e.empty()) throw UsageError(e);
  if (!req.mount_dir.empty() && req.mount_dir[0] != '/')
    throw UsageError("mount point " + common::quoted(req.mount_dir) + " is not an absolute path: give e.g. /data");
  MirrorConfig m;
  m.tag = req.tag;
  m.bitmap_chunk_kib = req.chunk_kib.value_or(ctx.settings.tunables.chunk_kib.value);
  m.grace_seconds = req.grace_seconds;
  m.tls = req.tls;
  m.mount_dir = req.mount_dir;
  m.fstype = req.mount_dir.empty() ? "" : req.fstype;
  const std::string address = req.address.empty() ? first_global_ipv4() : req.address;
  auto others = ctx.store.list();
  // Each mirror a system may serve needs its own port.
  m.systems.push_back({ctx.settings.node_name, address, req.local_device,
                       config::free_port(ctx.settings.node_name, others), 1, config::ReplicationMode::kSync});
  if (auto e = config::validate(m); !e.empty()) throw UsageError(e);
  if (auto e = config::find_conflict(m, others); !e.empty()) throw UsageError(e);
  if (auto e = device::leg_refusal(device::inspect_for_leg(req.local_device), common::kMinLegBytes); !e.empty())
    throw UsageError(e);
  if (!req.mount_dir.empty() && !fs::is_directory(req.mount_dir))
    throw UsageError("mount point " + req.mount_dir + " is not a directory: create it first");

  m.md_device = free_md_device(ctx);
  for (const auto& o : others)
    if (o.md_device == m.md_device) throw OpError("md device " + m.md_device + " is reserved by mirror " + o.tag);

  ctx.say("creating mirror " + m.tag + " on " + m.md_device + " with local leg " + req.local_device +
          " (degraded until a target is added; bitmap chunk " + std::to_string(m.bitmap_chunk_kib) + " KiB)");
  mdadm::CreateRaid1 spec;
  spec.md_device = m.md_device;
  spec.local_device = req.local_device;
  spec.raid_devices = 2;
  spec.bitmap_chunk_kb = m.bitmap_chunk_kib;
  spec.name = m.tag;
  ctx.mdadm_checked(mdadm::create_degraded_raid1_argv(spec));
  record_new_mirror(ctx, m);

  if (!m.mount_dir.empty()) {
    ctx.say("making an " + m.fstype + " file system on " + m.md_device + " and mounting it on " + m.mount_dir);
    if (m.fstype == "xfs")
      ctx.run_checked({"mkfs.xfs", "-q", "-f", m.md_device});
    else
      // Inode tables and journal zeroed now, while the mirror is local only:
      // lazily they would be zeroed by the kernel after mount, replicated to
      // every target and dirtying bitmap chunks for minutes.
      ctx.run_checked({"mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", m.md_device});
    ctx.run_checked({"mount", "-t", m.fstype, m.md_device, m.mount_dir});
  }
  ctx.say("mirror " + m.tag + " is in service on " + ctx.settings.node_name + ": next, 'netraid extend " + m.tag +
          " --target HOST'");
}

namespace {

struct RemoteNode {
  std::string name;
  std::string address;
  std::vector<MirrorConfig> mirrors;  // the mirrors it knows (its /etc/netraid)
};

}  // namespace

std::string node_info_json(const Context& ctx, const std::string& version) {
  auto mirrors = nlohmann::json::array();
  // The size of this system's leg of each mirror, for `netraid resize` on
  // the source (a device that cannot be read is left out).
  auto sizes = nlohmann::json::object();
  for (const auto& m : ctx.store.list()) {
    mirrors.push_back(nlohmann::json::parse(config::render(m)));
    if (const auto* self = m.find(ctx.settings.node_name)) {
      try {
        sizes[m.tag] = ctx.system->device_use(self->device).size_bytes;
      } catch (const std::exception&) {
      }
    }
  }
  return nlohmann::json{{"node", ctx.settings.node_name},
                        {"address", first_global_ipv4()},
                        {"version", version},
                        {"mirrors", mirrors},
                        {"device_sizes", sizes}}
      .dump();
}

void import_config(const Context& ctx, const std::string& json) {
  auto m = config::parse(json);
  // The md device is chosen per system (an N+1 backup may run another
  // mirror's array under the source's md name): keep the one used here.
  if (auto known = ctx.store.find(m.tag)) m.md_device = known->md_device;
  ctx.store.save(m);
}

namespace {

RemoteNode ask_node_info(const Context& ctx, const std::string& target) {
  auto r = ctx.run_remote(target, {"node-info", "--json"});
  if (r.exit_code != 0)
    throw OpError("cannot run netraid on " + target + " (exit " + std::to_string(r.exit_code) + ": " +
                  first_line(r.err) + "): check that it is reachable and has netraid installed");
  try {
    auto j = nlohmann::json::parse(r.out);
    RemoteNode node{j.at("node").get<std::string>(), j.value("address", ""), {}};
    if (j.contains("mirrors"))
      for (const auto& mirror : j.at("mirrors")) node.mirrors.push_back(config::parse(mirror.dump()));
    return node;
  } catch (const std::exception&) {
    throw OpError("netraid on " + target + " answered node-info with something this version cannot read: '" +
                  first_line(r.out) + "': check its version");
  }
}

}  // namespace

// Whichever system takes over later must know all the targets it is to
// reconnect, and the mirror's own tunables.
void share_config(Context& ctx, const MirrorConfig& m) {
  const std::string json = config::render(m);
  for (const auto& s : m.systems) {
    if (s.host == ctx.settings.node_name) continue;
    auto r = ctx.run_remote(s.host, {"config-import", json});
    if (r.exit_code != 0)
      ctx.say("warning: " + s.host + " keeps an older configuration of " + m.tag + ": " + first_line(r.err) +
              " (when it is reachable, give it this system's /etc/netraid/" + m.tag +
              ".json with 'netraid config-import')");
  }
}

void extend(Context& ctx, const ExtendRequest& req) {
  MirrorConfig m = ctx.store.load(req.tag);
  // Resolved before anything is touched: a bad combination stops extend here.
  const bool no_full_sync = mirror_tunables(ctx, m).no_full_sync.value;
  const config::System* self = m.find(ctx.settings.node_name);
  if (!self) throw UsageError("this system (" + ctx.settings.node_name + ") is not part of mirror " + m.tag);
  if (!mirror_active(ctx, m, ctx.settings.node_name))
    throw OpError("mirror " + m.tag + " is not in service here (" + m.md_device +
                  " is not active): extend it on its source system");
  if (m.systems.size() - 1 >= config::kMaxTargets)
    throw UsageError("mirror " + m.tag + " already has " + std::to_string(config::kMaxTargets) +
                     " targets, the most it can have: unextend one first");
  if (req.priority < 1) throw UsageError("priority " + std::to_string(req.priority) + " is invalid: use 1 or more");

  ctx.say("asking " + req.target + " who it is");
  const RemoteNode node = ask_node_info(ctx, req.target);
  if (node.name == ctx.settings.node_name)
    throw UsageError(req.target + " is this system (" + node.name + "): a target must be another system");
  if (m.find(node.name)) throw UsageError(node.name + " is already part of mirror " + m.tag + ": nothing to do");

  config::System target;
  target.host = node.name;
  target.address = req.target_address.empty() ? (node.address.empty() ? req.target : node.address) : req.target_address;
  target.device = req.target_device.empty() ? self->device : req.target_device;
  // Mirrors known here or on the target (whose other sources this system may
  // not know: N+1) hold ports and disks there. Their md devices do not
  // conflict: each system picks its own when it runs an array.
  auto others = ctx.store.list();
  for (auto known : node.mirrors) {
    if (known.tag == m.tag && !known.find(ctx.settings.node_name))
      throw UsageError(node.name + " already holds another mirror named " + m.tag +
                       " (of other systems): give this mirror another tag, or delete that one there");
    const bool seen = std::any_of(others.begin(), others.end(), [&](const MirrorConfig& o) { return o.tag == known.tag; });
    known.md_device.clear();
    if (!seen) others.push_back(known);
  }
  others.erase(std::remove_if(others.begin(), others.end(), [&](const MirrorConfig& o) { return o.tag == m.tag; }),
               others.end());
  target.port = req.port ? req.port : config::free_port(node.name, others);
  target.priority = req.priority;
  target.mode = req.mode;
  MirrorConfig grown = m;
  grown.systems.push_back(target);
  if (auto e = config::validate(grown); !e.empty()) throw UsageError(e);
  if (auto e = config::find_conflict(grown, others); !e.empty()) throw UsageError(e);
  // The target's disk must be at least as large as the local leg.
  const std::uint64_t needed = ctx.system->device_use(self->device).size_bytes;

  if (m.tls) {
    ctx.say("giving " + node.name + " the mirror's TLS key");
    link_key::send_key(ctx, req.target, m.tag);
  }
  auto forget_key = [&] {
    if (m.tls) ctx.run_remote(req.target, {"key-import", m.tag, "--forget"});
  };
  ctx.say("starting the NBD server for " + m.tag + " on " + node.name + " (" + target.device + ", port " +
          std::to_string(target.port) + ", only " + self->address + (m.tls ? " with the mirror's key" : "") +
          " may connect)");
  auto served = ctx.run_remote(req.target, serve_command(m, target, self->address, needed, false));
  if (served.exit_code != 0) {
    forget_key();
    throw OpError("the target " + node.name + " refused to serve " + m.tag + ": " +
                  (first_line(served.err).empty() ? first_line(served.out) : first_line(served.err)));
  }

  auto stop_remote = [&] {
    ctx.run_remote(req.target, {"serve", "--stop", m.tag});
    forget_key();
  };
  ctx.say("attaching " + target.address + ":" + std::to_string(target.port) + " as a kernel NBD device");
  const auto attached = ctx.system->attach(nbd_link(ctx, grown, target, "", needed));
  const std::string nbd = attached.device;
  if (nbd.empty()) {
    stop_remote();
    throw OpError("cannot attach the target " + node.name + ": " + attached.error);
  }
  auto detach = [&] { detach_leg(ctx, nbd); };
  const auto initial =
      legs::plan_initial_sync(no_full_sync, m.tag, node.name, self->device);
  const auto md = md_name(m.md_device);
  bool frozen = false;
  try {
    // A new target always gets a full initial sync: wipe any old md
    // superblock on it so md cannot take stale data for a bitmap re-add.
    ctx.mdadm(mdadm::zero_superblock_argv(nbd));
    const unsigned legs_needed = static_cast<unsigned>(grown.systems.size());
    const auto raid_disks = md_attribute(ctx, m.md_device, "raid_disks");
    if (!raid_disks.empty() && static_cast<unsigned>(std::stoul(raid_disks)) < legs_needed) {
      ctx.say("growing " + m.md_device + " to " + std::to_string(legs_needed) + " legs");
      // --force: the new slot stays empty (degraded) until the --add below
      // fills it; without it mdadm wants a spare already in the array.
      ctx.mdadm_checked(mdadm::grow_raid_devices_argv(m.md_device, legs_needed, /*force=*/true));
    }
    if (initial.kind == legs::InitialSync::kSeeded) {
      ctx.say(initial.warning);
      // Measured on 6.1: with recovery frozen, --add leaves the leg a spare
      // (no slot); recovery_start=none then says all of it is correct, and a
      // slot written through sysfs keeps that (md's own spare activation
      // would reset it to 0). The recovery that follows has nothing to copy.
      ctx.system->md_write(md, "sync_action", "frozen");
      frozen = true;
      ctx.mdadm_checked(mdadm::add_argv(m.md_device, nbd));
      const std::string dev = "dev-" + std::filesystem::path(nbd).filename().string();
      ctx.system->md_write(md, dev + "/recovery_start", "none");
      std::vector<std::optional<unsigned>> used;
      for (const auto& member : ctx.system->md_members(md)) {
        const auto slot = ctx.system->md_read(md, "dev-" + member + "/slot").value_or("none");
        used.push_back(slot == "none" ? std::nullopt : std::optional<unsigned>(std::stoul(slot)));
      }
      const auto raid_disks_now = md_attribute(ctx, m.md_device, "raid_disks");
      const auto slot = legs::free_slot(used, raid_disks_now.empty() ? legs_needed : static_cast<unsigned>(std::stoul(raid_disks_now)));
      if (!slot) throw OpError(m.md_device + " has no free slot for " + nbd + ": see /proc/mdstat");
      ctx.system->md_write(md, dev + "/slot", std::to_string(*slot));
      ctx.system->md_write(md, "sync_action", "idle");
      frozen = false;
    } else {
      ctx.say("adding " + nbd + " to " + m.md_device + ": full initial sync of " + node.name + " starts");
      // Plain --add, then write-mostly through sysfs: mdadm 4.2's
      // --add --write-mostly into a degraded RAID1 leaves the leg faulty.
      ctx.mdadm_checked(mdadm::add_argv(m.md_device, nbd));
    }
    set_write_mostly(ctx, m.md_device, nbd, true);
  } catch (...) {
    if (frozen) {
      try {
        ctx.system->md_write(md, "sync_action", "idle");
      } catch (const std::exception&) {
      }
    }
    try {
      fail_and_remove(ctx, m.md_device, nbd);
    } catch (const OpError&) {  // rolling back: the leg may never have been added
    }
    detach();
    stop_remote();
    throw;
  }
  start_link_watch(ctx, grown, node.name, nbd);
  auto legs = load_legs(ctx, m.tag);
  legs[node.name] = nbd;
  save_legs(ctx, m.tag, legs);
  ctx.store.save(grown);
  // Every system keeps the same configuration, for the day it takes over.
  share_config(ctx, grown);
  // issue 7: record the new target as resyncing, here and on the target.
  failover::on_extended(ctx, grown, node.name);
  if (initial.kind == legs::InitialSync::kSeeded) seeded::mark(ctx, m.tag, node.name);
  else seeded::clear(ctx, m.tag, node.name);
  ctx.say("mirror " + m.tag + " extended to " + node.name + " (" + nbd + "); follow the sync with 'netraid wait " +
          m.tag + "'");
}

void unextend(Context& ctx, const std::string& tag, const std::string& target) {
  MirrorConfig m = ctx.store.load(tag);
  // Any system but this one: after a failover the source is not the first
  // system of the configuration (the creator is, now a target).
  auto it = std::find_if(m.systems.begin(), m.systems.end(), [&](const config::System& s) {
    return s.host != ctx.settings.node_name && (s.host == target || s.address == target);
  });
  if (it == m.systems.end())
    throw UsageError(common::quoted(target) + " is not a target of mirror " + tag + ": see 'netraid status " + tag +
                     "'");
  const config::System gone = *it;
  auto legs = load_legs(ctx, tag);
  if (auto leg = legs.find(gone.host); leg != legs.end()) {
    ctx.say("removing " + leg->second + " (" + gone.host + ") from " + m.md_device);
    fail_and_remove(ctx, m.md_device, leg->second);
    detach_leg(ctx, leg->second);
    legs.erase(leg);
    save_legs(ctx, tag, legs);
  }
  m.systems.erase(it);
  const auto raid_disks = md_attribute(ctx, m.md_device, "raid_disks");
  if (!raid_disks.empty() && std::stoul(raid_disks) > std::max<std::size_t>(2, m.systems.size()))
    ctx.mdadm(mdadm::grow_raid_devices_argv(m.md_device, static_cast<unsigned>(std::max<std::size_t>(2, m.systems.size()))));
  ctx.say("stopping the NBD server on " + gone.host);
  auto stopped = ctx.run_remote(gone.host, {"serve", "--stop", tag});
  if (stopped.exit_code != 0)
    ctx.say("warning: could not stop the server on " + gone.host + ": " + first_line(stopped.err) +
            " (run 'netraid serve --stop " + tag + "' there)");
  ctx.run_remote(gone.host, {"config-forget", tag});
  ctx.store.save(m);
  share_config(ctx, m);
  seeded::clear(ctx, tag, gone.host);
  ctx.say("mirror " + tag + " no longer replicates to " + gone.host);
}

void remove_mirror(Context& ctx, const std::string& tag, bool force) {
  MirrorConfig m = ctx.store.load(tag);
  if (auto facts = ctx.system->device_use(m.md_device); !facts.mounted_on.empty()) {
    if (!force)
      throw UsageError("mirror " + tag + " is mounted on " + facts.mounted_on +
                       ": unmount it first, or give --force to unmount it");
    ctx.say("unmounting " + facts.mounted_on);
    ctx.run_checked({"umount", facts.mounted_on});
  }
  stop_array_and_legs(ctx, m);
  for (const auto& t : m.systems) {  // the creator too: after a failover it is a target
    if (t.host == ctx.settings.node_name) continue;
    ctx.say("stopping the NBD server on " + t.host);
    auto r = ctx.run_remote(t.host, {"serve", "--stop", tag});
    if (r.exit_code != 0)
      ctx.say("warning: could not stop the server on " + t.host + ": " + first_line(r.err));
    ctx.run_remote(t.host, {"config-forget", tag});
  }
  std::error_code ec;
  fs::remove(ctx.settings.run_dir + "/" + tag + ".legs.json", ec);
  ctx.store.remove(tag);
  link_key::forget(ctx.settings, tag);
  failover::on_deleted(ctx, tag);  // issue 7: clear this system's failover flags of TAG
  ctx.say("mirror " + tag + " deleted (the data stays on the devices)");
}

}  // namespace netraid::mirror
