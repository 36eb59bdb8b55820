// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/flag_hooks.hpp"

#include <filesystem>

#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/generation_id.hpp"
#include "netraid/mdadm/member_device.hpp"
#include "netraid/mdadm/member_metadata.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"
#include "netraid/mirror/advice.hpp"
#include "netraid/mirror/failover_plan.hpp"
#include "netraid/mirror/released_copy.hpp"
#include "peer_flags.hpp"

namespace netraid::mirror::failover {

using flags::SyncState;

namespace {
ReAdd plan_re_add(const Context& ctx, const config::MirrorConfig& m, const std::string& target,
                  const std::string& nbd);
}  // namespace

void on_created(const Context& ctx, const std::string& tag) {
  auto s = flag_store(ctx);
  s.create_directory();
  s.remove_all(tag);  // a previous mirror of the same name leaves nothing behind
  s.set_generation(tag, flags::start_new_generation({}, flags::new_generation_id()));
  s.set_source(tag, ctx.settings.node_name);
  s.set_last_owner(tag, ctx.settings.node_name);
}

void on_extended(const Context& ctx, const config::MirrorConfig& m, const std::string& target) {
  auto s = flag_store(ctx);
  s.create_directory();
  s.set_target_state(m.tag, target, SyncState::Resyncing);
  tell_target(ctx, m, target, SyncState::Resyncing, "");
}

void on_deleted(const Context& ctx, const std::string& tag) {
  try {
    flag_store(ctx).remove_all(tag);
  } catch (const std::exception& e) {
    ctx.say("warning: the failover flags of " + tag + " were not all removed: " + e.what());
  }
  std::error_code ec;
  std::filesystem::remove(seen_file(ctx, tag), ec);
}

ReAdd before_re_add(const Context& ctx, const config::MirrorConfig& m, const std::string& target,
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

flags::ResyncQuery gather_resync_query(const Context& ctx, const config::MirrorConfig& m, const std::string& target,
                                       const std::string& nbd) {
  const auto& self = self_in(ctx, m);
  const auto* t = m.find(target);
  if (!t) throw UsageError(target + " is not a system of mirror " + m.tag);
  std::optional<ReleasedReport> copy;
  const auto peer = ask_peer(ctx, m, *t, nullptr, false, &copy);
  // The target's superblock as it is on its disk, not as this page cache last saw it.
  ctx.run({"blockdev", "--flushbufs", nbd});
  const auto target_leg = leg_info(ctx, nbd);
  const auto source_leg = leg_info(ctx, self.device);
  flags::ResyncQuery q;
  q.source_generation = flag_store(ctx).generation(m.tag).value_or(flags::Generation{});
  q.source_array_uuid = source_leg.array_uuid;
  q.source_bitmap_usable = true;  // md checks its own live bitmap at re-add
  q.source_bitmap_events_cleared = 0;
  q.target_has_superblock = target_leg.has_superblock;
  q.target_array_uuid = target_leg.array_uuid;
  q.target_events = target_leg.events;
  q.target_generation = peer.flags.generation;
  q.target_sync_state = peer.flags.sync_state;
  q.target_was_source = peer.flags.last_owner || !peer.flags.source || *peer.flags.source == target;
  // A paused target's copy released to its system: anything but "untouched"
  // (written, or cannot tell) and the bitmap does not describe what differs.
  q.target_exposed = copy && copy->exposure != released::to_string(released::Exposure::Untouched);
  if (copy)
    ctx.say(m.tag + ": " + target + ": its copy was released while paused: " + copy->exposure + " (" + copy->reason +
            ")");
  return q;
}

namespace {
ReAdd plan_re_add(const Context& ctx, const config::MirrorConfig& m, const std::string& target,
                  const std::string& nbd) {
  auto s = flag_store(ctx);
  s.create_directory();
  const auto& self = self_in(ctx, m);
  if (!m.find(target)) return ReAdd::Skip;
  const auto q = gather_resync_query(ctx, m, target, nbd);
  const auto plan = flags::decide_resync(q);
  const auto advice = resync_advice(plan.kind, m.tag, ctx.settings.node_name, target, ctx.settings.advice_for);
  ctx.say(m.tag + ": " + target + ": " + std::string(flags::to_string(plan.kind)) + " resync: " +
          with_tag(plan.reason, m.tag) + (advice.empty() ? "" : "; " + advice));
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
  const bool tell_first = flags::tell_resyncing_before_copy(q.target_sync_state);
  auto resyncing = [&] {
    // Told later: left as recorded (out of sync), so the pass's closing
    // record_target_states tells the target what md shows by then, in one
    // round trip: resyncing, or in sync when the copy already ended.
    if (!tell_first) return ReAdd::PartialTellAfter;
    s.set_target_state(m.tag, target, SyncState::Resyncing);
    tell_target(ctx, m, target, SyncState::Resyncing, "");
    return ReAdd::Partial;
  };
  if (!plan.merge_target_bitmap) return resyncing();
  const auto meta = ctx.system->read_member(nbd);
  if (!meta.bitmap) return ReAdd::Full;
  auto ranges = mdadm::to_ranges(meta.dirty_chunks);
  const auto ours = ctx.system->read_member(self.device);
  if (ours.bitmap && ours.bitmap->chunksize_bytes != meta.bitmap->chunksize_bytes)
    ranges = mdadm::rescale_ranges(ranges, meta.bitmap->chunksize_bytes, ours.bitmap->chunksize_bytes);
  if (!ranges.empty()) {
    ctx.say(m.tag + ": " + target + ": merging its " + std::to_string(meta.dirty_chunks.size()) +
            " dirty chunk(s) into " + m.md_device + "'s bitmap before the re-add");
    mark_chunks_needed(ctx, m.md_device, ranges);
  }
  return resyncing();
}
}  // namespace

bool split_brain_on_refusal(const Context& ctx, const config::MirrorConfig& m, const std::string& target) {
  const auto* t = m.find(target);
  if (!t) return false;
  try {
    const auto peer = ask_peer(ctx, m, *t, nullptr, /*quiet=*/true);
    if (!peer.reachable || !peer.in_service) return false;
    auto s = flag_store(ctx);
    const auto plan = flags::decide_peer_in_service(s.generation(m.tag).value_or(flags::Generation{}), target,
                                                    peer.flags.generation);
    ctx.say(m.tag + ": " + target + ": " + with_tag(plan.reason, m.tag) + "; " +
            split_brain_advice(m.tag, ctx.settings.node_name, target, ctx.settings.advice_for));
    s.create_directory();
    s.set_target_state(m.tag, target, SyncState::OutOfSync);
    return true;
  } catch (const std::exception& e) {
    ctx.say(m.tag + ": " + target + ": its flags could not be asked: " + e.what());
    return false;
  }
}

void before_add_full(const Context& ctx, const config::MirrorConfig& m, const std::string& target) {
  try {
    auto s = flag_store(ctx);
    s.create_directory();
    s.set_target_state(m.tag, target, SyncState::Resyncing);
  } catch (const std::exception& e) {
    ctx.say(m.tag + ": warning: cannot record " + target + " as resyncing: " + e.what());
  }
  tell_target(ctx, m, target, SyncState::Resyncing, "");
}

namespace {
void record_targets(const Context& ctx, const config::MirrorConfig& m);
}  // namespace

void record_target_states(const Context& ctx, const config::MirrorConfig& m) {
  if (!mirror_active(ctx, m, ctx.settings.node_name)) return;
  // Replication goes on whatever happens to the flags; the problem is said.
  try {
    record_targets(ctx, m);
  } catch (const std::exception& e) {
    ctx.say(m.tag + ": warning: targets' sync state not recorded: " + e.what());
  }
}

namespace {
void record_targets(const Context& ctx, const config::MirrorConfig& m) {
  auto s = flag_store(ctx);
  s.create_directory();
  const auto recorded = s.targets(m.tag);
  const auto legs = load_legs(ctx, m.tag);
  const auto generation = s.generation(m.tag).value_or(flags::Generation{});
  for (const auto& t : m.systems) {
    if (t.host == ctx.settings.node_name) continue;
    bool in_array = false, faulty = false;
    std::string state;
    if (auto it = legs.find(t.host); it != legs.end()) {
      if (auto member = ctx.system->md_read(md_name(m.md_device), "dev-" + leaf(it->second) + "/state")) {
        in_array = true;
        state = *member;
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
// The target side: what `flags-report` and `flags-set` do on a target.

std::string local_report(const Context& ctx, const std::string& tag) {
  const auto m = ctx.store.load(tag);
  const auto& self = self_in(ctx, m);
  flags::PeerReport r;
  r.node = ctx.settings.node_name;
  r.reachable = true;
  r.in_service = mirror_active(ctx, m, ctx.settings.node_name);
  try {
    r.flags = read_flags(flag_store(ctx), tag);
  } catch (const flags::FlagError& e) {
    throw OpError(e.what(), kFlagsUnreadable);
  }
  r.leg = leg_info(ctx, self.device);
  std::optional<ReleasedReport> copy;
  if (const auto j = released::current_judgement(ctx, tag)) copy = ReleasedReport{released::to_string(j->exposure), j->reason};
  try {
    return render_report(r, flag_store(ctx).targets(tag), copy);
  } catch (const flags::FlagError& e) {
    throw OpError(e.what(), kFlagsUnreadable);
  }
}

void set_target_flags(const Context& ctx, const std::string& tag, const std::string& source, SyncState state,
                      const std::string& generation_arg) {
  const auto m = ctx.store.load(tag);
  self_in(ctx, m);
  if (!m.find(source)) throw UsageError(source + " is not a system of mirror " + tag);
  if (source == ctx.settings.node_name) throw UsageError("flags-set is run by the source on a target, not on itself");
  if (mirror_active(ctx, m, ctx.settings.node_name))
    throw OpError(tag + " is in service on this system (" + ctx.settings.node_name +
                       "): it cannot be a target of " + source + " now (split brain?): take it out of service here first");
  std::optional<flags::Generation> g;
  if (!generation_arg.empty()) g = generation_from_arg(generation_arg);
  auto s = flag_store(ctx);
  s.create_directory();
  // Order: once this system is a target of `source`, it never claims to be
  // the last owner again; the state and generation follow.
  s.clear_last_owner(tag);
  s.clear_wait_started(tag);  // the source is back: nothing to wait for
  s.set_source(tag, source);
  s.set_sync_state(tag, state);
  if (g) s.set_generation(tag, *g);
  // The source decided how to resync this copy: a released copy's record
  // (and its loop device, if a source that lost its pause record reconnects
  // it) has served its purpose.
  if (state == SyncState::Resyncing) released::forget(ctx, tag);
  if (state == SyncState::InSync) {
    std::error_code ec;
    std::filesystem::create_directories(ctx.settings.run_dir, ec);
    config::write_file_atomically(seen_file(ctx, tag), source + "\n");
  }
}

}  // namespace netraid::mirror::failover
