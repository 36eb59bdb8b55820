// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/resync_ops.hpp"

#include <algorithm>
#include <filesystem>

#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/leg_attach.hpp"
#include "netraid/mirror/leg_plan.hpp"
#include "netraid/mirror/released_copy.hpp"
#include "netraid/mirror/seeded_targets.hpp"
#include "netraid/common/first_line.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/mdadm/member_device.hpp"
#include "netraid/mdadm/sysfs_values.hpp"

namespace netraid::mirror {

namespace fs = std::filesystem;
using common::first_line;
using legs::LegAction;

namespace {

std::string leaf(const std::string& dev) { return fs::path(dev).filename().string(); }

std::optional<mdadm::Uuid> array_uuid(const Context& ctx, const std::string& device) {
  try {
    return ctx.system->read_member(device).superblock.set_uuid;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

struct LegRuntime {
  std::string nbd;  // "/dev/nbdN" or ""
  bool re_add_refused = false;
};

legs::LegObservation observe(const Context& ctx, const config::MirrorConfig& m, const LegRuntime& leg, bool paused, bool full,
                             const std::optional<mdadm::Uuid>& ours) {
  legs::LegObservation seen;
  seen.paused = paused;
  seen.full_resync_requested = full;
  seen.re_add_refused = leg.re_add_refused;
  if (leg.nbd.empty()) return seen;
  seen.attached = ctx.system->nbd_connected(leg.nbd);
  if (const auto state = ctx.system->md_read(md_name(m.md_device), "dev-" + leaf(leg.nbd) + "/state")) {
    seen.in_array = true;
    seen.faulty = mdadm::parse_member_state(*state).faulty;
  }
  if (seen.attached && !seen.in_array) {
    auto theirs = array_uuid(ctx, leg.nbd);
    seen.superblock_ours = ours && theirs && *ours == *theirs;
  }
  return seen;
}

}  // namespace

int resync_pass(const Context& ctx, const config::MirrorConfig& m, const PassOptions& options) {
  if (!mirror_active(ctx, m, ctx.settings.node_name))
    throw OpError("mirror " + m.tag + " is not in service on this system (" + m.md_device +
                  " is not active): run this on its source");
  const config::System* self = m.find(ctx.settings.node_name);
  if (!self) throw OpError("this system (" + ctx.settings.node_name + ") is not part of mirror " + m.tag);
  const auto ours = array_uuid(ctx, self->device);
  const auto paused = load_paused(ctx, m.tag);
  auto attached = load_legs(ctx, m.tag);
  const std::uint64_t needed = ctx.system->device_use(self->device).size_bytes;
  int mirroring = 0;
  // Record what is true before acting: a target found in sync is told so (and
  // given the generation) before a pause or a failure takes it out, or its
  // later return would look like a half-synced copy and cost a full resync.
  failover::record_target_states(ctx, m);

  for (const auto& t : m.systems) {
    if (t.host == self->host) continue;
    LegRuntime leg{attached.count(t.host) ? attached[t.host] : "", false};
    const bool is_paused = std::find(paused.begin(), paused.end(), t.host) != paused.end();
    bool full = options.full_resync_hosts.count(t.host) > 0;
    for (int step = 0; step < 8; ++step) {
      const auto seen = observe(ctx, m, leg, is_paused, full, ours);
      const auto plan = legs::plan_leg(seen);
      if (plan.action == LegAction::kNothing) {
        if (seen.in_array && !seen.faulty) ++mirroring;
        break;
      }
      if (plan.action == LegAction::kConnect && options.may_connect && !options.may_connect(t.host)) break;
      auto connected = [&](bool ok) {
        if (options.connect_outcome) options.connect_outcome(t.host, ok);
      };
      ctx.say(m.tag + ": " + t.host + ": " + legs::to_string(plan.action) + ": " + plan.reason);
      const auto md = m.md_device;
      if (plan.action == LegAction::kRemoveFaulty || plan.action == LegAction::kPauseOut) {
        fail_and_remove(ctx, md, leg.nbd);
        detach_leg(ctx, leg.nbd);
        if (plan.action == LegAction::kPauseOut) break;
        if (seen.full_resync_requested) full = true;
      } else if (plan.action == LegAction::kConnect) {
        // --takeover: after a failover the target still serves the previous source.
        auto served = ctx.run_remote(t.host, serve_command(m, t, self->address, needed, true));
        if (served.exit_code != 0) {
          connected(false);
          if (failover::split_brain_on_refusal(ctx, m, t.host)) break;
          ctx.say(m.tag + ": " + t.host + ": unreachable or not serving (" +
                  first_line(served.err.empty() ? served.out : served.err) + "): stays Out of Sync");
          break;
        }
        auto r = ctx.system->attach(nbd_link(ctx, m, t, leg.nbd, needed));
        // The old index may be taken meanwhile: let the kernel pick one.
        if (r.device.empty() && !leg.nbd.empty()) r = ctx.system->attach(nbd_link(ctx, m, t, "", needed));
        const std::string dev = r.device;
        if (dev.empty()) {
          connected(false);
          ctx.say(m.tag + ": " + t.host + ": cannot attach (" + r.error + "): stays Out of Sync");
          break;
        }
        connected(true);
        leg.nbd = dev;
        start_link_watch(ctx, m, t.host, dev);
        attached[t.host] = dev;
        save_legs(ctx, m.tag, attached);
      } else if (plan.action == LegAction::kReAddPartial) {
        // issue 7: decide from the generations and merge the target's own
        // dirty chunks (a returning old source) before md re-adds it.
        const auto pre = failover::before_re_add(ctx, m, t.host, leg.nbd);
        if (pre == failover::ReAdd::Skip) break;
        if (pre == failover::ReAdd::Full) {
          full = true;
          continue;
        }
        auto r = ctx.mdadm(mdadm::re_add_argv(md, leg.nbd));
        if (r.exit_code != 0) {
          ctx.say(m.tag + ": " + t.host + ": md refused the re-add (" + first_line(r.err) + ")");
          leg.re_add_refused = true;
          continue;
        }
        set_write_mostly(ctx, md, leg.nbd, true);
      } else if (plan.action == LegAction::kAddFull) {
        failover::before_add_full(ctx, m, t.host);  // issue 7: the target is resynced from here
        seeded::clear(ctx, m.tag, t.host);          // copied whole: no longer a seeded copy
        ctx.mdadm(mdadm::zero_superblock_argv(leg.nbd));
        ctx.mdadm_checked(mdadm::add_argv(md, leg.nbd));
        set_write_mostly(ctx, md, leg.nbd, true);
        full = false;
      }
    }
  }
  failover::record_target_states(ctx, m);  // issue 7: record/tell each target's sync state
  return mirroring;
}

namespace {

// HOSTS, each a target of M, or UsageError naming the first that is not
// (before anything changes); empty = every target.
std::vector<std::string> targets_named(const Context& ctx, const config::MirrorConfig& m,
                                       const std::vector<std::string>& hosts) {
  // Checked here too, not only by the pass: a refused pause must not have
  // recorded anything.
  if (!mirror_active(ctx, m, ctx.settings.node_name))
    throw OpError("mirror " + m.tag + " is not in service on this system (" + m.md_device +
                  " is not active): run this on its source");
  std::vector<std::string> chosen;
  for (const auto& t : m.systems)
    if (t.host != ctx.settings.node_name && (hosts.empty() || std::count(hosts.begin(), hosts.end(), t.host)))
      chosen.push_back(t.host);
  for (const auto& h : hosts)
    if (h == ctx.settings.node_name || !m.find(h))
      throw UsageError(common::quoted(h) + " is not a target of mirror " + m.tag + ": see 'netraid status " + m.tag +
                       "'");
  return chosen;
}

std::string listed(const std::vector<std::string>& hosts) {
  std::string s;
  for (const auto& h : hosts) s += (s.empty() ? "" : ", ") + h;
  return s;
}

}  // namespace

namespace {

// The target's one line without netraid's "netraid: VERB: " prefix.
std::string their_line(const ProgramResult& r, const std::string& verb) {
  auto line = first_line(r.err.empty() ? r.out : r.err);
  const std::string prefix = "netraid: " + verb + ": ";
  if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
  return line;
}

// Remote exec's own failure (ssh exits 255): the system is not reachable.
constexpr int kUnreachable = 255;

// Before paused targets come back (resume, fullresync): each takes its
// released copy back (`reclaim`). First every one is asked whether its copy
// is still in use, so that a refusal changes nothing; an unreachable one is
// left to the pass (it stays Out of Sync, and its copy, judged when it
// returns, decides its resync).
void reclaim_copies(const Context& ctx, const config::MirrorConfig& m, const std::vector<std::string>& hosts) {
  // One host: its reclaim refuses by itself before it changes anything, so
  // the separate check would only cost a round trip.
  if (hosts.size() > 1)
    for (const auto& h : hosts) {
      const auto r = ctx.run_remote(h, {"reclaim", m.tag, "--check"});
      if (r.exit_code == released::kCopyInUse) throw OpError(their_line(r, "reclaim"));  // names the host
    }
  for (const auto& h : hosts) {
    const auto r = ctx.run_remote(h, {"reclaim", m.tag});
    if (r.exit_code == kUnreachable) continue;
    if (r.exit_code == released::kCopyInUse) throw OpError(their_line(r, "reclaim"));
    if (r.exit_code != 0) throw OpError(h + ": its paused copy was not taken back: " + their_line(r, "reclaim"));
    if (const auto verdict = first_line(r.out); !verdict.empty()) ctx.say(m.tag + ": " + h + ": " + verdict);
  }
}

// The paused ones among HOSTS.
std::vector<std::string> paused_among(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts) {
  const auto paused = load_paused(ctx, tag);
  std::vector<std::string> out;
  for (const auto& h : hosts)
    if (std::count(paused.begin(), paused.end(), h)) out.push_back(h);
  return out;
}

void unpause(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts) {
  auto paused = load_paused(ctx, tag);
  paused.erase(std::remove_if(paused.begin(), paused.end(),
                              [&](const std::string& h) { return std::count(hosts.begin(), hosts.end(), h) > 0; }),
               paused.end());
  save_paused(ctx, tag, paused);
}

}  // namespace

void pause(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts) {
  const auto m = ctx.store.load(tag);
  const auto chosen = targets_named(ctx, m, hosts);
  auto paused = load_paused(ctx, tag);
  for (const auto& h : chosen)
    if (std::find(paused.begin(), paused.end(), h) == paused.end()) paused.push_back(h);
  save_paused(ctx, tag, paused);
  resync_pass(ctx, m);
  ctx.say(tag + ": replication paused to " + listed(chosen) + "; writes are tracked in the bitmap, 'netraid resume " +
          tag + "' resyncs them");
  // Then each target releases its copy: its server stops (the leg is out of
  // the array and detached here) and the data area is offered there.
  const auto legs = load_legs(ctx, tag);
  for (const auto& h : chosen) {
    if (auto it = legs.find(h); it != legs.end() &&
                                ctx.system->md_read(md_name(m.md_device), "dev-" + leaf(it->second) + "/state")) {
      ctx.say(tag + ": " + h + ": warning: its leg is still in " + m.md_device + ": its copy stays served");
      continue;
    }
    const auto r = ctx.run_remote(h, {"release", tag});
    const auto copy = first_line(r.out);
    if (r.exit_code != 0 || copy.empty()) {
      ctx.say(tag + ": " + h + ": warning: its copy was not released (" + their_line(r, "release") +
              "): replication stays paused");
      continue;
    }
    ctx.say(tag + ": " + h + ": its copy is readable there as " + copy + ": mount -o ro,noload " + copy +
            " DIR (a plain -o ro replays ext4's journal, which writes: resume then copies the whole disk)");
  }
}

void resume(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts) {
  const auto m = ctx.store.load(tag);
  const auto chosen = targets_named(ctx, m, hosts);
  const auto coming_back = paused_among(ctx, tag, chosen);
  reclaim_copies(ctx, m, coming_back);
  unpause(ctx, tag, coming_back);
  resync_pass(ctx, m);
}

void fullresync(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts) {
  const auto m = ctx.store.load(tag);
  PassOptions options;
  const auto chosen = targets_named(ctx, m, hosts);
  options.full_resync_hosts.insert(chosen.begin(), chosen.end());
  // DataKeeper's fullresync resumes a paused target too.
  const auto coming_back = paused_among(ctx, tag, chosen);
  reclaim_copies(ctx, m, coming_back);
  unpause(ctx, tag, coming_back);
  resync_pass(ctx, m, options);
}

}  // namespace netraid::mirror
