// SPDX-License-Identifier: GPL-2.0-or-later
#include "peer_flags.hpp"

#include <filesystem>

#include "netraid/common/first_line.hpp"
#include "netraid/flags/lkroot.hpp"
#include "netraid/mdadm/member_device.hpp"
#include "netraid/mirror/failover_plan.hpp"

namespace netraid::mirror::failover {

using common::first_line;
using flags::FlagStore;
using flags::SyncState;

std::string leaf(const std::string& dev) { return std::filesystem::path(dev).filename().string(); }

FlagStore flag_store(const Context& ctx) {
  return FlagStore(ctx.settings.flag_dir.empty() ? flags::flag_dir_from_system() : ctx.settings.flag_dir);
}

const config::System& self_in(const Context& ctx, const config::MirrorConfig& m) {
  const auto* self = m.find(ctx.settings.node_name);
  if (!self)
    throw UsageError("this system (" + ctx.settings.node_name + ") is not part of mirror " + m.tag +
                     ": run this on one of its systems");
  return *self;
}

flags::NodeFlags read_flags(const FlagStore& s, const std::string& tag) {
  flags::NodeFlags f;
  f.last_owner = s.last_owner(tag).has_value();
  f.source = s.source(tag);
  f.data_corrupt = s.data_corrupt(tag).has_value();
  f.sync_state = s.sync_state(tag);
  f.generation = s.generation(tag).value_or(flags::Generation{});
  return f;
}

flags::LegInfo leg_info(const Context& ctx, const std::string& device) {
  flags::LegInfo l;
  try {
    const auto md = ctx.system->read_member(device);
    l.has_superblock = true;
    l.array_uuid = mdadm::format_uuid(md.superblock.set_uuid);
    l.events = md.superblock.events;
    l.recovery_incomplete = md.superblock.recovery_incomplete();
    l.bitmap_usable = md.bitmap && !md.bitmap->stale();
    l.bitmap_events_cleared = md.bitmap ? md.bitmap->events_cleared : 0;
  } catch (const std::exception&) {
    l.has_superblock = false;  // blank, foreign or unreadable: never our copy
  }
  return l;
}

std::string seen_file(const Context& ctx, const std::string& tag) {
  return ctx.settings.run_dir + "/" + tag + ".source_seen";
}

flags::PeerReport ask_peer(const Context& ctx, const config::MirrorConfig& m, const config::System& peer,
                           std::optional<SyncState>* recorded_of_me, bool quiet,
                           std::optional<ReleasedReport>* released) {
  flags::PeerReport r;
  r.node = peer.host;
  auto answer = ctx.run_remote(peer.host, {"flags-report", m.tag});
  if (answer.exit_code == kFlagsUnreadable)
    throw OpError("the flags of " + m.tag + " on " + peer.host + " cannot be read (" + first_line(answer.err) +
                  "): fix them there first; nothing was changed");
  if (answer.exit_code != 0) {
    const auto why = first_line(answer.err);
    if (!quiet)
      ctx.say(m.tag + ": " + peer.host + ": unreachable (" +
              (why.empty() ? "remote exec exit status " + std::to_string(answer.exit_code) : why) + ")");
    return r;
  }
  try {
    if (recorded_of_me) *recorded_of_me = reported_target_state(answer.out, ctx.settings.node_name);
    if (released) *released = reported_released(answer.out);
    return parse_report(peer.host, answer.out);
  } catch (const std::invalid_argument& e) {
    throw OpError(e.what());
  }
}

bool mounted(const Context& ctx, const config::MirrorConfig& m) {
  return !m.mount_dir.empty() && ctx.system->device_use(m.md_device).mounted_on == m.mount_dir;
}

void tell_target(const Context& ctx, const config::MirrorConfig& m, const std::string& target, SyncState state,
                 const std::string& generation_arg) {
  std::vector<std::string> args{"flags-set", m.tag, "--source", ctx.settings.node_name, "--sync-state",
                                std::string(flags::to_string(state))};
  if (!generation_arg.empty()) args.insert(args.end(), {"--generation", generation_arg});
  auto r = ctx.run_remote(target, args);
  if (r.exit_code != 0)
    ctx.say(m.tag + ": warning: could not record '" + std::string(flags::to_string(state)) + "' on " + target +
            ": " + first_line(r.err));
}

std::string with_tag(std::string reason, const std::string& tag) {
  for (auto at = reason.find("TAG"); at != std::string::npos; at = reason.find("TAG", at + tag.size()))
    reason.replace(at, 3, tag);
  return reason;
}

}  // namespace netraid::mirror::failover
