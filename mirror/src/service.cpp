// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/service.hpp"

#include <filesystem>
#include <map>

#include "netraid/common/first_line.hpp"
#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/generation_id.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mdadm/member_metadata.hpp"
#include "netraid/mdadm/sysfs_values.hpp"
#include "netraid/mirror/advice.hpp"
#include "netraid/mirror/failover_plan.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/leg_attach.hpp"
#include "netraid/mirror/resync_ops.hpp"
#include "netraid/mirror/resync_rate.hpp"
#include "peer_flags.hpp"

namespace netraid::mirror::failover {

namespace fs = std::filesystem;
using common::first_line;
using flags::FlagStore;
using flags::SyncState;

// ---- gather ----

ServiceFacts gather_service_facts(const Context& ctx, const std::string& tag, bool force) {
  ServiceFacts f;
  f.mirror = ctx.store.load(tag);
  f.self = self_in(ctx, f.mirror);
  auto& q = f.query;
  q.node = ctx.settings.node_name;
  q.force = force;
  q.wait_timeout_s = mirror_tunables(ctx, f.mirror).wait_for_previous_source_s.value;
  const auto s = flag_store(ctx);
  try {
    q.local = read_flags(s, tag);
    f.wait_started = s.wait_started(tag);
  } catch (const flags::FlagError& e) {
    throw OpError(std::string(e.what()) + "; nothing was changed");
  }
  f.now = ctx.system->now();
  q.waited_s = flags::waited_seconds(f.wait_started, f.now);
  q.source_seen_since_boot = fs::exists(seen_file(ctx, tag));
  const bool active = mirror_active(ctx, f.mirror, f.self.host);
  q.already_in_service = active && q.local.last_owner;
  if (q.already_in_service) return f;
  if (active)
    throw OpError(f.mirror.md_device + " is active here but " + tag + "_last_owner is absent: run 'netraid remove " +
                  tag + "' first");
  // What a target wrote last may still sit in this system's buffer cache.
  ctx.run({"blockdev", "--flushbufs", f.self.device});
  q.leg = leg_info(ctx, f.self.device);
  for (const auto& p : f.mirror.systems) {
    if (p.host == f.self.host) continue;
    std::optional<SyncState> recorded_of_me;
    q.peers.push_back(ask_peer(ctx, f.mirror, p, &recorded_of_me));
    // The source may have seen this copy drop out, which it could not tell.
    if (q.local.source == p.host && q.peers.back().reachable)
      q.local.sync_state = effective_sync_state(q.local.sync_state, recorded_of_me);
  }
  return f;
}

Refused::Refused(const flags::ServiceDecision& d, const std::string& tag, std::string advice_text)
    : OpError("refused: " + with_tag(d.reason, tag) + (advice_text.empty() ? "" : "; " + advice_text),
              refusal_exit_code(d.action)),
      decision(d),
      advice(std::move(advice_text)) {
  decision.reason = with_tag(d.reason, tag);
}

// ---- apply ----

void record_decision(const Context& ctx, const ServiceFacts& facts, const flags::ServiceDecision& d) {
  const auto& tag = facts.mirror.tag;
  const auto s = flag_store(ctx);
  s.create_directory();
  if (d.set_data_corrupt) s.set_data_corrupt(tag, with_tag(d.reason, tag));
  if (d.clear_last_owner) s.clear_last_owner(tag);
  // The wait for the previous source is counted from its first refusal,
  // durably, so LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT expires across calls
  // and reboots; any other outcome ends the wait.
  if (d.action == flags::ServiceAction::RefuseWaitForPreviousSource) {
    if (!facts.wait_started) s.set_wait_started(tag, facts.now);
  } else if (facts.wait_started) {
    s.clear_wait_started(tag);
  }
}

namespace {

// The flags take_over changes, as they were: put back when md cannot be
// assembled, so a failed takeover leaves this system as it found it.
struct ClaimedFlags {
  std::optional<std::string> last_owner;
  std::optional<std::string> source;
  std::optional<flags::Generation> generation;
  std::optional<SyncState> sync_state;
  std::map<std::string, SyncState> targets;

  static ClaimedFlags read(const FlagStore& s, const std::string& tag) {
    return {s.last_owner(tag), s.source(tag), s.generation(tag), s.sync_state(tag), s.targets(tag)};
  }

  void put_back(const FlagStore& s, const std::string& tag, const config::MirrorConfig& m) const {
    if (last_owner) s.set_last_owner(tag, *last_owner); else s.clear_last_owner(tag);
    if (source) s.set_source(tag, *source); else s.clear_source(tag);
    if (generation) s.set_generation(tag, *generation);
    if (sync_state) s.set_sync_state(tag, *sync_state); else s.clear_sync_state(tag);
    for (const auto& p : m.systems) {
      if (auto it = targets.find(p.host); it != targets.end())
        s.set_target_state(tag, p.host, it->second);
      else
        s.forget_target(tag, p.host);
    }
  }
};

void stop_serving_as_target(const Context& ctx, const std::string& tag) {
  // This system may still serve its disk as a target of the old source,
  // which may be dead with its connection open: dropped, not drained.
  ctx.system->drop_serving(tag);
}

void claim_flags(const FlagStore& s, const ServiceFacts& facts, const flags::ServiceDecision& d) {
  const auto& tag = facts.mirror.tag;
  auto generation = facts.query.local.generation;
  if (d.start_new_generation) generation = flags::start_new_generation(generation, flags::new_generation_id());
  s.set_last_owner(tag, facts.self.host);
  s.set_source(tag, facts.self.host);
  s.set_generation(tag, generation);
  s.clear_sync_state(tag);
  for (const auto& p : facts.mirror.systems)
    if (p.host != facts.self.host) s.set_target_state(tag, p.host, SyncState::OutOfSync);
}

void choose_md_device(Context& ctx, ServiceFacts& facts) {
  auto& m = facts.mirror;
  if (const auto md = md_device_for(ctx, m, facts.self.host); md != m.md_device) {
    // N+1: this backup already runs another mirror's array under that name.
    ctx.say(m.tag + ": " + m.md_device + " runs another array here: using " + md + " on this system");
    m.md_device = md;
    ctx.store.save(m);
  }
}

void serve_reads(const Context& ctx, const ServiceFacts& facts) {
  // As a target the leg was write-mostly; as the source it serves reads.
  try {
    set_write_mostly(ctx, facts.mirror.md_device, facts.self.device, false);
  } catch (const std::exception& e) {
    ctx.say(facts.mirror.tag + ": warning: could not clear write-mostly on " + facts.self.device + ": " + e.what());
  }
}

// The chunks the local leg's on-disk bitmap holds dirty before md assembles
// it. Empty when there is no bitmap or it cannot be read (said, not fatal:
// md's own reading of the bitmap still applies).
std::vector<std::uint64_t> dirty_before_assembly(const Context& ctx, const ServiceFacts& facts) {
  try {
    ctx.run({"blockdev", "--flushbufs", facts.self.device});  // a target's leg was written by nbdkit
    return ctx.system->read_member(facts.self.device).dirty_chunks;
  } catch (const std::exception& e) {
    ctx.say(facts.mirror.tag + ": warning: the bitmap of " + facts.self.device + " could not be read before assembly (" +
            e.what() + "): md's reading of it applies");
    return {};
  }
}

// md started on one leg forgets the dirty bits of its bitmap when the
// superblock never recorded the other leg's failure (events_cleared equal to
// events: a source that crashed while md was still failing the NBD leg).
// Those bits cover the writes in flight at the crash, which reached only this
// leg; a bitmap re-add would then copy none of them and the legs would differ.
// Marking them again makes every later re-add copy them.
void keep_dirty_chunks(const Context& ctx, const ServiceFacts& facts, const std::vector<std::uint64_t>& dirty) {
  if (dirty.empty()) return;
  ctx.say(facts.mirror.tag + ": keeping the " + std::to_string(dirty.size()) + " chunk(s) dirty in " +
          facts.self.device + "'s bitmap for the targets' resync");
  try {
    mark_chunks_needed(ctx, facts.mirror.md_device, mdadm::to_ranges(dirty));
  } catch (const std::exception& e) {
    // In service all the same: a write in flight at a crash may then stay on
    // this leg only, which verify finds and --repair mends.
    ctx.say(facts.mirror.tag + ": warning: the dirty chunks could not be marked in " + facts.mirror.md_device + " (" +
            e.what() + "): run 'netraid verify " + facts.mirror.tag + "' once the targets are in sync");
  }
}

void mount_if_configured(const Context& ctx, const config::MirrorConfig& m) {
  if (m.mount_dir.empty() || mounted(ctx, m)) return;
  ctx.say("mounting " + m.md_device + " on " + m.mount_dir);
  std::error_code ec;
  fs::create_directories(m.mount_dir, ec);
  ctx.run_checked({"mount", "-t", m.fstype, m.md_device, m.mount_dir});
}

}  // namespace

void take_over(Context& ctx, ServiceFacts& facts, const flags::ServiceDecision& d) {
  const auto& tag = facts.mirror.tag;
  const auto s = flag_store(ctx);
  ctx.say(tag + ": " + with_tag(d.reason, tag));
  stop_serving_as_target(ctx, tag);
  const auto before = ClaimedFlags::read(s, tag);
  // Flags first: once md writes, this system is the source of a new term.
  claim_flags(s, facts, d);
  std::vector<std::uint64_t> dirty;
  try {
    choose_md_device(ctx, facts);
    dirty = dirty_before_assembly(ctx, facts);
    ctx.say(tag + ": assembling " + facts.mirror.md_device + " from the local leg " + facts.self.device + " alone");
    const auto r = ctx.mdadm(mdadm::assemble_argv(facts.mirror.md_device, {facts.self.device}));
    if (r.exit_code != 0)
      throw OpError("cannot assemble " + facts.mirror.md_device + " from " + facts.self.device + ": " +
                    first_line(r.err) + "; the flags are as they were");
  } catch (...) {
    before.put_back(s, tag, facts.mirror);
    throw;
  }
  keep_dirty_chunks(ctx, facts, dirty);
  serve_reads(ctx, facts);
  apply_tunable_speed_limits(ctx, facts.mirror);
  if (d.clear_data_corrupt) s.clear_data_corrupt(tag);
  save_legs(ctx, tag, {});
}

flags::ServiceAction restore(Context& ctx, const std::string& tag, bool force) {
  auto facts = gather_service_facts(ctx, tag, force);
  const auto decision = flags::decide_service(facts.query);
  record_decision(ctx, facts, decision);
  if (!flags::goes_in_service(decision.action))
    throw Refused(decision, tag, service_advice(decision, tag, ctx.settings.node_name, ctx.settings.advice_for));
  std::error_code ec;
  fs::create_directories(ctx.settings.run_dir, ec);
  if (decision.action != flags::ServiceAction::AlreadyInService) take_over(ctx, facts, decision);
  const auto& m = facts.mirror;
  mount_if_configured(ctx, m);
  if (!mirror_tunables(ctx, m).connect_nbd_during_restore.value) {
    // DataKeeper's LKDR_CONNECT_NBD_DURING_RESTORE=False: in service now,
    // the targets later.
    ctx.say(tag + ": in service on " + facts.self.host +
            "; targets not connected now (LKDR_CONNECT_NBD_DURING_RESTORE=False): the monitor's next pass or "
            "'netraid resync " + tag + "' connects them");
    return decision.action;
  }
  ctx.say(tag + ": in service on " + facts.self.host + "; reconnecting targets");
  const int mirroring = resync_pass(ctx, m);
  const int targets = static_cast<int>(m.systems.size()) - 1;
  if (mirroring < targets)
    ctx.say(tag + ": " + std::to_string(targets - mirroring) + " of " + std::to_string(targets) +
            " target(s) not mirroring: Out of Sync until they return; the monitor or 'netraid resync " + tag +
            "' here then resyncs what they missed");
  return decision.action;
}

void remove(Context& ctx, const std::string& tag, bool filesystem_only) {
  const auto m = ctx.store.load(tag);
  self_in(ctx, m);
  if (mounted(ctx, m)) {
    ctx.say("unmounting " + m.mount_dir);
    ctx.run_checked({"umount", m.mount_dir});
  }
  if (filesystem_only) return;
  stop_array_and_legs(ctx, m);
  // Released cleanly: a target in sync may now take over (switchover).
  flag_store(ctx).clear_last_owner(tag);
  ctx.say(tag + ": out of service on " + ctx.settings.node_name);
}

std::string quickcheck(const Context& ctx, const std::string& tag, bool check_filesystem) {
  const auto found = ctx.store.find(tag);
  if (!found) return "no mirror " + tag + " on this system";
  const auto& m = *found;
  const auto* self = m.find(ctx.settings.node_name);
  if (!self) return "this system is not part of mirror " + tag;
  std::optional<std::string> owner;
  try {
    owner = flag_store(ctx).last_owner(tag);
  } catch (const flags::FlagError& e) {
    return e.what();
  }
  if (!owner) return tag + " is not in service on this system (no " + tag + "_last_owner)";
  if (!mirror_active(ctx, m, ctx.settings.node_name))
    return m.md_device + " is not active with " + self->device + " in it: the mirror is down here";
  const auto state = ctx.system->md_read(md_name(m.md_device), "dev-" + leaf(self->device) + "/state");
  if (!state) return "the local leg " + self->device + " is not a member of " + m.md_device;
  if (const auto member = mdadm::parse_member_state(*state); member.faulty || !member.in_sync)
    return "the local leg " + self->device + " is not in sync in " + m.md_device + " (" + *state + ")";
  if (check_filesystem && !m.mount_dir.empty() && !mounted(ctx, m)) return m.md_device + " is not mounted on " + m.mount_dir;
  record_target_states(ctx, m);
  return {};
}

}  // namespace netraid::mirror::failover
