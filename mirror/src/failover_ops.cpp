// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/failover_ops.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "netraid/mirror/failover_plan.hpp"
#include "netraid/mirror/local_device.hpp"
#include "netraid/mirror/resync_ops.hpp"
#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/flag_store.hpp"
#include "netraid/flags/generation_id.hpp"
#include "netraid/flags/lkroot.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mdadm/member_device.hpp"
#include "netraid/mdadm/member_metadata.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"

namespace netraid::mirror::failover {

namespace fs = std::filesystem;
using flags::FlagStore;
using flags::SyncState;

namespace {

// Exit code of flags-report when this system's flags cannot be read: the
// caller must not take that peer as simply unreachable.
constexpr int kFlagsUnreadable = 3;

std::string leaf(const std::string& dev) { return fs::path(dev).filename().string(); }

std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of("\n ");
  if (start == std::string::npos) return {};
  return text.substr(start, text.find('\n', start) - start);
}

FlagStore store() { return FlagStore(flags::flag_dir_from_system()); }

const config::System& self_in(const mirror::Context& ctx, const config::MirrorConfig& m) {
  const auto* self = m.find(ctx.settings.node_name);
  if (!self)
    throw mirror::UsageError("this system (" + ctx.settings.node_name + ") is not part of mirror " + m.tag +
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

flags::LegInfo leg_info(const std::string& device) {
  flags::LegInfo l;
  try {
    const auto md = mdadm::read_member_metadata(device);
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

std::string seen_file(const mirror::Context& ctx, const std::string& tag) {
  return ctx.settings.run_dir + "/" + tag + ".source_seen";
}

std::int64_t wait_timeout_from_env() {
  const char* v = std::getenv("LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT");
  if (!v || !*v) return -1;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw mirror::UsageError(std::string("LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT='") + v +
                          "' is not a number: use 0, -1 or seconds");
  }
}

// The peer's report and what it recorded of this system (as its source).
// QUIET: the caller already told the operator the peer is unreachable.
flags::PeerReport ask_peer(const mirror::Context& ctx, const config::MirrorConfig& m, const config::System& peer,
                           std::optional<SyncState>* recorded_of_me = nullptr, bool quiet = false) {
  flags::PeerReport r;
  r.node = peer.host;
  auto answer = ctx.run_remote(peer.host, {"flags-report", m.tag});
  if (answer.exit_code == kFlagsUnreadable)
    throw mirror::OpError("the flags of " + m.tag + " on " + peer.host + " cannot be read (" + first_line(answer.err) +
                       "): fix them there first; nothing was changed");
  if (answer.exit_code != 0) {
    const auto why = first_line(answer.err);
    if (!quiet)
      ctx.say(m.tag + ": " + peer.host + " is unreachable (" +
              (why.empty() ? "remote exec exit status " + std::to_string(answer.exit_code) : why) + ")");
    return r;
  }
  try {
    if (recorded_of_me) *recorded_of_me = reported_target_state(answer.out, ctx.settings.node_name);
    return parse_report(peer.host, answer.out);
  } catch (const std::invalid_argument& e) {
    throw mirror::OpError(e.what());
  }
}

bool mounted(const config::MirrorConfig& m) {
  return !m.mount_dir.empty() && device::inspect(m.md_device).mounted_on == m.mount_dir;
}

void mount_if_configured(mirror::Context& ctx, const config::MirrorConfig& m) {
  if (m.mount_dir.empty() || mounted(m)) return;
  ctx.say("mounting " + m.md_device + " on " + m.mount_dir);
  std::error_code ec;
  fs::create_directories(m.mount_dir, ec);
  ctx.run_checked({"mount", "-t", m.fstype, m.md_device, m.mount_dir});
}

void tell_target(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target, SyncState state,
                 const std::string& generation_arg) {
  std::vector<std::string> args{"flags-set", m.tag, "--source", ctx.settings.node_name, "--sync-state",
                                std::string(flags::to_string(state))};
  if (!generation_arg.empty()) args.insert(args.end(), {"--generation", generation_arg});
  auto r = ctx.run_remote(target, args);
  if (r.exit_code != 0)
    ctx.say(m.tag + ": warning: could not record '" + std::string(flags::to_string(state)) + "' on " + target +
            ": " + first_line(r.err));
}

}  // namespace

// ---- hooks ----

namespace {
ReAdd plan_re_add(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target,
                  const std::string& nbd);
}  // namespace

void on_created(const mirror::Context& ctx, const std::string& tag) {
  auto s = store();
  s.create_directory();
  s.remove_all(tag);  // a previous mirror of the same name leaves nothing behind
  s.set_generation(tag, flags::start_new_generation({}, flags::new_generation_id()));
  s.set_source(tag, ctx.settings.node_name);
  s.set_last_owner(tag, ctx.settings.node_name);
}

void on_extended(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target) {
  auto s = store();
  s.create_directory();
  s.set_target_state(m.tag, target, SyncState::Resyncing);
  tell_target(ctx, m, target, SyncState::Resyncing, "");
}

void on_deleted(const mirror::Context& ctx, const std::string& tag) {
  try {
    store().remove_all(tag);
  } catch (const std::exception& e) {
    ctx.say("warning: the failover flags of " + tag + " were not all removed: " + e.what());
  }
  std::error_code ec;
  fs::remove(seen_file(ctx, tag), ec);
}

ReAdd before_re_add(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target,
                    const std::string& nbd) {
  try {
    return plan_re_add(ctx, m, target, nbd);
  } catch (const std::exception& e) {
    // Without the generations (or the target's bitmap) the direction is not
    // known: never guess; the target stays out until the problem is fixed.
    ctx.say(m.tag + ": " + target + ": not re-added: " + e.what());
    return ReAdd::Skip;
  }
}

namespace {
ReAdd plan_re_add(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target,
                  const std::string& nbd) {
  auto s = store();
  s.create_directory();
  const auto& self = self_in(ctx, m);
  const auto* t = m.find(target);
  if (!t) return ReAdd::Skip;
  const auto peer = ask_peer(ctx, m, *t);
  ctx.run({"blockdev", "--flushbufs", nbd});
  const auto target_leg = leg_info(nbd);
  const auto source_leg = leg_info(self.device);
  flags::ResyncQuery q;
  q.source_generation = s.generation(m.tag).value_or(flags::Generation{});
  q.source_array_uuid = source_leg.array_uuid;
  q.source_bitmap_usable = true;  // md checks its own live bitmap at re-add
  q.source_bitmap_events_cleared = 0;
  q.target_has_superblock = target_leg.has_superblock;
  q.target_array_uuid = target_leg.array_uuid;
  q.target_events = target_leg.events;
  q.target_generation = peer.flags.generation;
  q.target_sync_state = peer.flags.sync_state;
  q.target_was_source = peer.flags.last_owner || !peer.flags.source || *peer.flags.source == target;
  const auto plan = flags::decide_resync(q);
  ctx.say(m.tag + ": " + target + ": " + std::string(flags::to_string(plan.kind)) + " resync: " + plan.reason);
  if (plan.kind == flags::ResyncKind::TargetAhead || plan.kind == flags::ResyncKind::SplitBrain) {
    s.set_target_state(m.tag, target, SyncState::OutOfSync);
    return ReAdd::Skip;
  }
  if (plan.kind == flags::ResyncKind::Full) return ReAdd::Full;
  // The target may carry writes this source never saw (a returning old
  // source, or a copy that was not in sync): mark its own dirty chunks in
  // our bitmap before the re-add, or md would take them as in sync
  // (LAB-NOTES.md). A clean in-sync target of this generation never wrote
  // on its own: its bitmap only repeats ours, merging it would copy more.
  if (!plan.merge_target_bitmap) {
    s.set_target_state(m.tag, target, SyncState::Resyncing);
    tell_target(ctx, m, target, SyncState::Resyncing, "");
    return ReAdd::Partial;
  }
  const auto meta = mdadm::read_member_metadata(nbd);
  if (!meta.bitmap) return ReAdd::Full;
  auto ranges = mdadm::to_ranges(meta.dirty_chunks);
  const auto ours = mdadm::read_member_metadata(self.device);
  if (ours.bitmap && ours.bitmap->chunksize_bytes != meta.bitmap->chunksize_bytes)
    ranges = mdadm::rescale_ranges(ranges, meta.bitmap->chunksize_bytes, ours.bitmap->chunksize_bytes);
  if (!ranges.empty()) {
    ctx.say(m.tag + ": " + target + ": merging its " + std::to_string(meta.dirty_chunks.size()) +
            " dirty chunk(s) into " + m.md_device + "'s bitmap before the re-add");
    mdadm::MdSysfs md(mirror::md_name(m.md_device));
    for (const auto& piece : mdadm::format_bitmap_set_bits(ranges)) md.write("bitmap_set_bits", piece);
  }
  s.set_target_state(m.tag, target, SyncState::Resyncing);
  tell_target(ctx, m, target, SyncState::Resyncing, "");
  return ReAdd::Partial;
}
}  // namespace

bool split_brain_on_refusal(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target) {
  const auto* t = m.find(target);
  if (!t) return false;
  try {
    const auto peer = ask_peer(ctx, m, *t, nullptr, /*quiet=*/true);
    if (!peer.reachable || !peer.in_service) return false;
    auto s = store();
    const auto plan = flags::decide_peer_in_service(ctx.settings.node_name, s.generation(m.tag).value_or(flags::Generation{}),
                                                    target, peer.flags.generation);
    auto reason = plan.reason;
    for (auto at = reason.find("TAG"); at != std::string::npos; at = reason.find("TAG", at + m.tag.size()))
      reason.replace(at, 3, m.tag);
    ctx.say(m.tag + ": " + target + ": " + reason);
    s.create_directory();
    s.set_target_state(m.tag, target, SyncState::OutOfSync);
    return true;
  } catch (const std::exception& e) {
    ctx.say(m.tag + ": " + target + ": its flags could not be asked: " + e.what());
    return false;
  }
}

void before_add_full(const mirror::Context& ctx, const config::MirrorConfig& m, const std::string& target) {
  try {
    auto s = store();
    s.create_directory();
    s.set_target_state(m.tag, target, SyncState::Resyncing);
  } catch (const std::exception& e) {
    ctx.say(m.tag + ": warning: cannot record " + target + " as resyncing: " + e.what());
  }
  tell_target(ctx, m, target, SyncState::Resyncing, "");
}

namespace {
void record_targets(const mirror::Context& ctx, const config::MirrorConfig& m);
}  // namespace

void record_target_states(const mirror::Context& ctx, const config::MirrorConfig& m) {
  if (!mirror::mirror_active(m, ctx.settings.node_name)) return;
  // Replication goes on whatever happens to the flags; the problem is said.
  try {
    record_targets(ctx, m);
  } catch (const std::exception& e) {
    ctx.say(m.tag + ": warning: targets' sync state not recorded: " + e.what());
  }
}

namespace {
void record_targets(const mirror::Context& ctx, const config::MirrorConfig& m) {
  auto s = store();
  s.create_directory();
  const auto recorded = s.targets(m.tag);
  const auto legs = mirror::load_legs(ctx, m.tag);
  mdadm::MdSysfs md(mirror::md_name(m.md_device));
  const auto generation = s.generation(m.tag).value_or(flags::Generation{});
  for (const auto& t : m.systems) {
    if (t.host == ctx.settings.node_name) continue;
    bool in_array = false, faulty = false;
    std::string state;
    if (auto it = legs.find(t.host); it != legs.end()) {
      const auto member = "dev-" + leaf(it->second);
      if (fs::exists(md.path(member))) {
        in_array = true;
        try {
          state = md.read(member + "/state");
        } catch (const std::exception&) {
          faulty = true;
        }
      }
    }
    const auto now = observed_target_state(in_array, faulty, state);
    std::optional<SyncState> before;
    if (auto it = recorded.find(t.host); it != recorded.end()) before = it->second;
    const auto u = plan_target_update(before, now);
    if (!u.record) continue;
    s.set_target_state(m.tag, t.host, now);
    if (u.tell_target) tell_target(ctx, m, t.host, now, u.give_generation ? generation_to_arg(generation) : "");
  }
}
}  // namespace

// ---- target side ----

std::string local_report(const mirror::Context& ctx, const std::string& tag) {
  const auto m = ctx.store.load(tag);
  const auto& self = self_in(ctx, m);
  flags::PeerReport r;
  r.node = ctx.settings.node_name;
  r.reachable = true;
  r.in_service = mirror::mirror_active(m, ctx.settings.node_name);
  try {
    r.flags = read_flags(store(), tag);
  } catch (const flags::FlagError& e) {
    throw mirror::OpError(e.what(), kFlagsUnreadable);
  }
  r.leg = leg_info(self.device);
  try {
    return render_report(r, store().targets(tag));
  } catch (const flags::FlagError& e) {
    throw mirror::OpError(e.what(), kFlagsUnreadable);
  }
}

void set_target_flags(const mirror::Context& ctx, const std::string& tag, const std::string& source, SyncState state,
                      const std::string& generation_arg) {
  const auto m = ctx.store.load(tag);
  self_in(ctx, m);
  if (!m.find(source)) throw mirror::UsageError(source + " is not a system of mirror " + tag);
  if (source == ctx.settings.node_name) throw mirror::UsageError("flags-set is run by the source on a target, not on itself");
  if (mirror::mirror_active(m, ctx.settings.node_name))
    throw mirror::OpError(tag + " is in service on this system (" + ctx.settings.node_name +
                       "): it cannot be a target of " + source + " now (split brain?): take it out of service here first");
  std::optional<flags::Generation> g;
  if (!generation_arg.empty()) g = generation_from_arg(generation_arg);
  auto s = store();
  s.create_directory();
  // Order: once this system is a target of `source`, it never claims to be
  // the last owner again; the state and generation follow.
  s.clear_last_owner(tag);
  s.clear_wait_started(tag);  // the source is back: nothing to wait for
  s.set_source(tag, source);
  s.set_sync_state(tag, state);
  if (g) s.set_generation(tag, *g);
  if (state == SyncState::InSync) {
    std::error_code ec;
    fs::create_directories(ctx.settings.run_dir, ec);
    config::write_file_atomically(seen_file(ctx, tag), source + "\n");
  }
}

// ---- verbs ----

std::string quickcheck(const mirror::Context& ctx, const std::string& tag, bool check_filesystem) {
  const auto found = ctx.store.find(tag);
  if (!found) return "no mirror " + tag + " on this system";
  const auto& m = *found;
  const auto* self = m.find(ctx.settings.node_name);
  if (!self) return "this system is not part of mirror " + tag;
  std::optional<std::string> owner;
  try {
    owner = store().last_owner(tag);
  } catch (const flags::FlagError& e) {
    return e.what();
  }
  if (!owner) return tag + " is not in service on this system (no " + tag + "_last_owner)";
  if (!mirror::mirror_active(m, ctx.settings.node_name))
    return m.md_device + " is not active with " + self->device + " in it: the mirror is down here";
  try {
    const auto state = mdadm::MdSysfs(mirror::md_name(m.md_device)).read("dev-" + leaf(self->device) + "/state");
    if (state.find("faulty") != std::string::npos || state.find("in_sync") == std::string::npos)
      return "the local leg " + self->device + " is not in sync in " + m.md_device + " (" + state + ")";
  } catch (const std::exception&) {
    return "the local leg " + self->device + " is not a member of " + m.md_device;
  }
  if (check_filesystem && !m.mount_dir.empty() && !mounted(m)) return m.md_device + " is not mounted on " + m.mount_dir;
  record_target_states(ctx, m);
  return {};
}

flags::ServiceAction restore(mirror::Context& ctx, const std::string& tag, bool force) {
  auto m = ctx.store.load(tag);
  const auto self = self_in(ctx, m);
  auto s = store();
  flags::ServiceQuery q;
  q.node = ctx.settings.node_name;
  try {
    s.create_directory();
    q.local = read_flags(s, tag);
  } catch (const flags::FlagError& e) {
    throw mirror::OpError(std::string(e.what()) + "; nothing was changed");
  }
  const bool active = mirror::mirror_active(m, self.host);
  q.already_in_service = active && q.local.last_owner;
  if (!q.already_in_service) {
    if (active)
      throw mirror::OpError(m.md_device + " is active here but " + tag + "_last_owner is absent: run 'netraid remove " +
                         tag + "' first");
    ctx.run({"blockdev", "--flushbufs", self.device});
    q.leg = leg_info(self.device);
  }
  q.source_seen_since_boot = fs::exists(seen_file(ctx, tag));
  q.force = force;
  q.wait_timeout_s = wait_timeout_from_env();
  const std::int64_t now = std::time(nullptr);
  std::optional<std::int64_t> wait_started;
  try {
    wait_started = s.wait_started(tag);
  } catch (const flags::FlagError& e) {
    throw mirror::OpError(std::string(e.what()) + "; nothing was changed");
  }
  q.waited_s = flags::waited_seconds(wait_started, now);
  if (!q.already_in_service)
    for (const auto& p : m.systems) {
      if (p.host == self.host) continue;
      std::optional<SyncState> recorded_of_me;
      q.peers.push_back(ask_peer(ctx, m, p, &recorded_of_me));
      // The source may have seen this copy drop out, which it could not tell.
      if (q.local.source == p.host && q.peers.back().reachable)
        q.local.sync_state = effective_sync_state(q.local.sync_state, recorded_of_me);
    }
  auto d = flags::decide_service(q);
  std::string reason = d.reason;
  for (auto pos = reason.find("TAG"); pos != std::string::npos; pos = reason.find("TAG", pos + tag.size()))
    reason.replace(pos, 3, tag);
  if (d.set_data_corrupt) s.set_data_corrupt(tag, reason);
  if (d.clear_last_owner) s.clear_last_owner(tag);
  // The wait for the previous source is counted from its first refusal,
  // durably, so LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT expires across calls
  // and reboots; any other outcome ends the wait.
  if (d.action == flags::ServiceAction::RefuseWaitForPreviousSource) {
    if (!wait_started) s.set_wait_started(tag, now);
  } else if (wait_started) {
    s.clear_wait_started(tag);
  }
  if (!flags::goes_in_service(d.action)) throw mirror::OpError("refused: " + reason, refusal_exit_code(d.action));
  std::error_code ec;
  fs::create_directories(ctx.settings.run_dir, ec);

  if (d.action != flags::ServiceAction::AlreadyInService) {
    ctx.say(tag + ": " + reason);
    // This system may still serve its disk as a target of the old source.
    ctx.run_self({"serve", "--stop", tag});
    const auto had_owner = q.local.last_owner;
    auto generation = q.local.generation;
    if (d.start_new_generation) generation = flags::start_new_generation(generation, flags::new_generation_id());
    // Flags first: once md writes, this system is the source of a new term.
    s.set_last_owner(tag, self.host);
    s.set_source(tag, self.host);
    s.set_generation(tag, generation);
    s.clear_sync_state(tag);
    for (const auto& p : m.systems)
      if (p.host != self.host) s.set_target_state(tag, p.host, SyncState::OutOfSync);
    if (const auto md = mirror::md_device_for(m, self.host); md != m.md_device) {
      // N+1: this backup already runs another mirror's array under that name.
      ctx.say(tag + ": " + m.md_device + " runs another array here: using " + md + " on this system");
      m.md_device = md;
      ctx.store.save(m);
    }
    ctx.say(tag + ": assembling " + m.md_device + " from the local leg " + self.device + " alone");
    auto r = ctx.mdadm(mdadm::assemble_argv(m.md_device, {self.device}));
    if (r.exit_code != 0) {
      if (!had_owner) s.clear_last_owner(tag);
      throw mirror::OpError("cannot assemble " + m.md_device + " from " + self.device + ": " + first_line(r.err));
    }
    // As a target the leg was write-mostly; as the source it serves reads.
    try {
      mdadm::MdSysfs(mirror::md_name(m.md_device)).write("dev-" + leaf(self.device) + "/state", "-writemostly");
    } catch (const std::exception& e) {
      ctx.say(tag + ": warning: could not clear write-mostly on " + self.device + ": " + e.what());
    }
    if (d.clear_data_corrupt) s.clear_data_corrupt(tag);
    mirror::save_legs(ctx, tag, {});
  }
  mount_if_configured(ctx, m);
  ctx.say(tag + ": in service on " + self.host + "; reconnecting targets");
  const int mirroring = mirror::resync_pass(ctx, m);
  const int targets = static_cast<int>(m.systems.size()) - 1;
  if (mirroring < targets)
    ctx.say(tag + ": " + std::to_string(targets - mirroring) + " of " + std::to_string(targets) +
            " target(s) not mirroring: Out of Sync until they return; the monitor or 'netraid resync " + tag +
            "' here then resyncs what they missed");
  return d.action;
}

void remove(mirror::Context& ctx, const std::string& tag, bool filesystem_only) {
  const auto m = ctx.store.load(tag);
  self_in(ctx, m);
  if (mounted(m)) {
    ctx.say("unmounting " + m.mount_dir);
    ctx.run_checked({"umount", m.mount_dir});
  }
  if (filesystem_only) return;
  if (mirror::mirror_active(m, ctx.settings.node_name)) {
    ctx.say("stopping " + m.md_device);
    ctx.mdadm_checked(mdadm::stop_argv(m.md_device));
  }
  for (const auto& [host, nbd] : mirror::load_legs(ctx, tag)) {
    ctx.say("detaching " + nbd + " (" + host + ")");
    ctx.run_self({"detach", nbd});
  }
  mirror::save_legs(ctx, tag, {});
  // Released cleanly: a target in sync may now take over (switchover).
  store().clear_last_owner(tag);
  ctx.say(tag + ": out of service on " + ctx.settings.node_name);
}

}  // namespace netraid::mirror::failover
