// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/resize.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "netraid/common/first_line.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mdadm/sysfs_values.hpp"
#include "netraid/mirror/leg_attach.hpp"

namespace netraid::mirror::resize {

namespace fs = std::filesystem;
using common::first_line;

namespace {

std::string kib_text(std::uint64_t kib) { return std::to_string(kib) + " KiB"; }
std::string bytes_text(std::uint64_t bytes) { return std::to_string(bytes) + " bytes"; }

Plan refuse(Outcome outcome, int code, std::string host, std::string reason, const Facts& f) {
  Plan p;
  p.outcome = outcome;
  p.exit_code = code;
  p.host = std::move(host);
  p.reason = std::move(reason);
  p.old_kib = p.new_kib = f.component_kib;
  return p;
}

}  // namespace

std::uint64_t usable_kib(const Leg& leg) {
  if (leg.device_bytes <= leg.data_offset_bytes) return 0;
  const std::uint64_t kib = (leg.device_bytes - leg.data_offset_bytes) / 1024;
  return kib - kib % kRoundKib;
}

Plan plan_resize(const Facts& f) {
  if (f.legs.empty()) return refuse(Outcome::kNothingToGrow, kFailed, "", "mirror " + f.tag + " has no legs", f);
  const Leg& local = f.legs.front();
  std::optional<std::uint64_t> requested;
  if (f.requested_kib) requested = *f.requested_kib - *f.requested_kib % kRoundKib;
  if (requested && *requested < f.component_kib)
    return refuse(Outcome::kShrink, kUsage, "",
                  "-s " + kib_text(*f.requested_kib) + " is less than the " + kib_text(f.component_kib) +
                      " mirror " + f.tag + " has: a mirror in service is never shrunk (its file system would lose "
                      "its end); give at least " + std::to_string(f.component_kib) + ", or leave -s out to grow to "
                      "the smallest leg",
                  f);
  // Every target must hold at least the source's leg: reconnecting a target
  // (resync, failover) demands it, as extend does.
  for (std::size_t i = 1; i < f.legs.size(); ++i) {
    const Leg& t = f.legs[i];
    if (t.device_bytes < local.device_bytes)
      return refuse(Outcome::kTargetTooSmall, kFailed, t.host,
                    "target " + t.host + "'s " + t.device + " holds " + bytes_text(t.device_bytes) + ", less than " +
                        local.device + " here (" + bytes_text(local.device_bytes) + "): grow it on " + t.host +
                        " first (lvextend), then resize again",
                    f);
  }
  const auto smallest = std::min_element(f.legs.begin(), f.legs.end(), [](const Leg& a, const Leg& b) {
    return usable_kib(a) < usable_kib(b);
  });
  const std::uint64_t room = usable_kib(*smallest);
  if (requested && *requested > room)
    return refuse(Outcome::kTooLarge, kUsage, smallest->host,
                  "-s " + kib_text(*f.requested_kib) + " is more than the smallest leg holds (" + kib_text(room) +
                      " of " + smallest->host + "'s " + smallest->device + " after md's data offset): give at most " +
                      std::to_string(room) + ", or grow that device first",
                  f);
  const std::uint64_t target = requested.value_or(room);
  if (target <= f.component_kib)
    return refuse(Outcome::kNothingToGrow, kFailed, smallest->host,
                  "nothing to grow: mirror " + f.tag + " already uses " + kib_text(f.component_kib) + " and " +
                      smallest->host + "'s " + smallest->device + " holds no more (" + kib_text(room) +
                      "): grow the devices first (lvextend on the source and every target)",
                  f);
  Plan p;
  p.outcome = Outcome::kGrow;
  p.exit_code = kOk;
  p.old_kib = f.component_kib;
  p.new_kib = target;
  return p;
}

std::string fs_grow_command(const config::MirrorConfig& m) {
  if (m.mount_dir.empty()) return "";
  if (m.fstype == "xfs") return "xfs_growfs " + m.mount_dir;
  return "resize2fs " + m.md_device;
}

namespace {

std::string leaf(const std::string& dev) { return fs::path(dev).filename().string(); }

std::uint64_t data_offset_bytes(const Context& ctx, const std::string& device) {
  try {
    return ctx.system->read_member(device).superblock.data_offset_sectors * 512;
  } catch (const std::exception& e) {
    throw OpError("cannot read the md superblock on " + device + ": " + first_line(e.what()) +
                  ": is the mirror healthy? see 'mdadm --examine " + device + "'");
  }
}

// The size of HOST's leg of TAG, as HOST's netraid reports it.
std::uint64_t remote_device_bytes(const Context& ctx, const std::string& host, const std::string& tag) {
  auto r = ctx.run_remote(host, {"node-info", "--json"});
  if (r.exit_code != 0)
    throw OpError("cannot ask " + host + " for the size of its leg of " + tag + " (exit " +
                  std::to_string(r.exit_code) + ": " + first_line(r.err) + "): bring it back, then resize again");
  try {
    return nlohmann::json::parse(r.out).at("device_sizes").at(tag).get<std::uint64_t>();
  } catch (const std::exception&) {
    throw OpError("netraid on " + host + " does not report the size of its leg of " + tag +
                  ": install this version of netraid there, then resize again");
  }
}

}  // namespace

Result resize(Context& ctx, const Request& req) {
  const config::MirrorConfig m = ctx.store.load(req.tag);
  const config::System* self = m.find(ctx.settings.node_name);
  if (!self || !mirror_active(ctx, m, ctx.settings.node_name))
    throw OpError("mirror " + m.tag + " is not in service on this system: resize it on its source, where it is "
                  "in service");
  const std::string md = md_name(m.md_device);
  // md metadata 1.0 (create --existing-fs) keeps its superblock and bitmap
  // at the end of each leg: the kernel does not move them while the array
  // has an internal bitmap (super_1_rdev_size_change), so md cannot grow.
  try {
    if (ctx.system->read_member(self->device).superblock.metadata_version() == "1.0")
      throw OpError("mirror " + m.tag + " keeps md's metadata 1.0 at the end of its legs (it was made from an existing "
                    "file system): md cannot move it to the end of a grown leg while it holds the bitmap, and resize "
                    "does not do it for such a mirror yet: nothing was changed");
  } catch (const OpError&) {
    throw;
  } catch (const std::exception&) {
    // unreadable: data_offset_bytes() below says so
  }
  const auto sync = md_attribute(ctx, m.md_device, "sync_action");
  if (!sync.empty() && mdadm::parse_sync_action(sync) != mdadm::SyncAction::Idle)
    throw OpError("mirror " + m.tag + " is busy with a " + sync + " of " + m.md_device +
                  ": wait for it to end ('netraid wait " + m.tag + "'), then resize");
  // Every target must be mirroring: one that is out would keep its old size
  // and be refused when it reconnects.
  const auto legs = load_legs(ctx, m.tag);
  const auto paused = load_paused(ctx, m.tag);
  Facts facts;
  facts.tag = m.tag;
  facts.requested_kib = req.size_kib;
  facts.component_kib = mdadm::parse_number_attribute(md_attribute(ctx, m.md_device, "component_size"),
                                                      "component_size");
  facts.legs.push_back({self->host, self->device, ctx.system->device_use(self->device).size_bytes,
                        data_offset_bytes(ctx, self->device)});
  struct TargetLeg {
    const config::System* system;
    std::string nbd;             // its /dev/nbdN here
    std::uint64_t device_bytes;  // its device there, as it reports it
  };
  std::vector<TargetLeg> targets;
  for (const auto& t : m.systems) {
    if (t.host == self->host) continue;
    const auto leg = legs.find(t.host);
    const auto state = leg == legs.end() ? std::nullopt : ctx.system->md_read(md, "dev-" + leaf(leg->second) + "/state");
    const bool mirroring = state && !mdadm::parse_member_state(*state).faulty &&
                           mdadm::parse_member_state(*state).in_sync &&
                           std::find(paused.begin(), paused.end(), t.host) == paused.end();
    if (!mirroring)
      throw OpError("target " + t.host + " of " + m.tag + " is not mirroring (see 'netraid status " + m.tag +
                    "'): bring it back ('netraid resync " + m.tag + "' or resume it), or unextend it, then resize");
    facts.legs.push_back({t.host, t.device, remote_device_bytes(ctx, t.host, m.tag),
                          data_offset_bytes(ctx, leg->second)});
    targets.push_back({&t, leg->second, facts.legs.back().device_bytes});
  }

  const Plan plan = plan_resize(facts);
  if (plan.outcome != Outcome::kGrow) {
    if (plan.exit_code == kUsage) throw UsageError(plan.reason);
    throw OpError(plan.reason, plan.exit_code);
  }
  Result result;
  result.md_device = m.md_device;
  result.old_bytes = plan.old_kib * 1024;
  result.new_bytes = plan.new_kib * 1024;
  result.fs_grow_command = fs_grow_command(m);
  const std::string question = "grow mirror " + m.tag + " (" + m.md_device + ") from " +
                               std::to_string(result.old_bytes) + " to " + std::to_string(result.new_bytes) +
                               " bytes on " + self->host + " and " + std::to_string(targets.size()) +
                               " target(s)? md then copies the " + std::to_string(result.new_bytes - result.old_bytes) +
                               " new bytes to each target";
  if (req.confirm && !req.confirm(question))
    throw UsageError("resize of " + m.tag + " not confirmed: nothing was changed");

  // Each target's leg learns its device's new size on a fresh connection.
  const std::uint64_t local_bytes = facts.legs.front().device_bytes;
  for (const auto& leg : targets) {
    const auto* target = leg.system;
    const std::string& nbd = leg.nbd;
    ctx.say("giving " + nbd + " (" + target->host + ") the grown size of " + target->device +
            ": its server restarts and the leg reconnects, I/O waits meanwhile");
    const auto restart = [&] {
      auto stopped = ctx.run_remote(target->host, {"serve", "--stop", m.tag, "--drop"});
      if (stopped.exit_code != 0)
        throw OpError("could not restart the NBD server on " + target->host + ": " + first_line(stopped.err));
      auto served = ctx.run_remote(target->host, serve_command(m, *target, self->address, local_bytes, false));
      if (served.exit_code != 0)
        throw OpError("the NBD server on " + target->host + " did not start again: " +
                      first_line(served.err.empty() ? served.out : served.err));
    };
    // The kernel device takes the size of the whole export, as at attach.
    const auto error =
        ctx.system->nbd_regrow(nbd, nbd_link(ctx, m, *target, nbd, local_bytes), leg.device_bytes, restart);
    if (!error.empty())
      throw OpError("target " + target->host + " did not take its new size: " + error + "; " + m.md_device +
                    " keeps its size: run 'netraid resync " + m.tag + "', then resize again");
  }

  ctx.say("growing " + m.md_device + " from " + std::to_string(result.old_bytes) + " to " +
          std::to_string(result.new_bytes) + " bytes");
  ctx.mdadm_checked(mdadm::grow_size_argv(m.md_device, plan.new_kib));
  ctx.say(m.tag + ": md copies the " + std::to_string(result.new_bytes - result.old_bytes) +
          " new bytes to each target (follow it with 'netraid wait " + m.tag + "')");
  return result;
}

}  // namespace netraid::mirror::resize
