// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/verify.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "netraid/common/first_line.hpp"
#include "netraid/mdadm/sysfs_values.hpp"
#include "netraid/mirror/speed_limits.hpp"

namespace netraid::mirror::verify {

namespace fs = std::filesystem;

int exit_code(const Record& r) {
  if (r.result == "identical") return kOk;
  if (r.result == "differ" || r.result == "repaired") return kVerifyDiffer;
  return kVerifyNotVerified;
}

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// " (42%)" of a sync_completed text "DONE / TOTAL", "" when it has no numbers.
std::string percent_of(const std::string& completed) {
  mdadm::SyncCompleted c;
  try {
    c = mdadm::parse_sync_completed(completed);
  } catch (const std::exception&) {
    return "";
  }
  if (c.kind != mdadm::SyncCompleted::Kind::Progress || c.total_sectors == 0) return "";
  return " (" + std::to_string(c.done_sectors * 100 / c.total_sectors) + "%)";
}

Decision refuse(Refusal why, std::string host, std::string reason) { return {why, std::move(host), std::move(reason)}; }

}  // namespace

Decision verify_refusal(const Facts& f) {
  const std::string& t = f.tag;
  if (!f.in_service)
    return refuse(Refusal::kNotInService, "",
                  "mirror " + t + " is not in service on this system: verify it on its source, where it is in service");
  const auto targets = std::count_if(f.legs.begin(), f.legs.end(), [](const LegFact& l) { return !l.local; });
  if (targets == 0)
    return refuse(Refusal::kNoTargets, "",
                  "mirror " + t + " has no target: there is no other leg to compare this system's with (extend it "
                  "first: 'netraid extend " + t + " --target HOST')");
  for (const auto& l : f.legs)
    if (l.paused)
      return refuse(Refusal::kPaused, l.host,
                    "target " + l.host + " of " + t + " is paused: its leg is out of the mirror and cannot be "
                    "compared: resume it ('netraid resume " + t + " " + l.host + "'), wait for its resync ('netraid "
                    "wait " + t + "'), then verify");
  mdadm::SyncAction action = mdadm::SyncAction::Idle;
  try {
    if (!f.sync_action.empty()) action = mdadm::parse_sync_action(f.sync_action);
  } catch (const std::exception&) {
    return refuse(Refusal::kSyncRunning, "",
                  f.md_device + "'s sync_action reads '" + f.sync_action.substr(0, 20) +
                      "', which this netraid does not know: see 'mdadm --detail " + f.md_device + "'");
  }
  switch (action) {
    case mdadm::SyncAction::Check:
    case mdadm::SyncAction::Repair:
      return refuse(Refusal::kCheckRunning, "",
                    "a " + f.sync_action + " of " + f.md_device + " is already running" + percent_of(f.sync_completed) +
                        ": wait for it to end ('netraid wait " + t + "'), then verify");
    case mdadm::SyncAction::Resync:
    case mdadm::SyncAction::Recover:
    case mdadm::SyncAction::Reshape:
      return refuse(Refusal::kSyncRunning, "",
                    "mirror " + t + " is resyncing (a " + f.sync_action + " of " + f.md_device + percent_of(f.sync_completed) +
                        "): its legs differ until it ends: wait for it ('netraid wait " + t + "'), then verify");
    case mdadm::SyncAction::Frozen:
      return refuse(Refusal::kFrozen, "",
                    "md's sync actions on " + f.md_device + " are frozen (sync_action reads 'frozen'): whoever froze "
                    "them writes 'idle' to it when done; then verify");
    case mdadm::SyncAction::Idle:
      break;
  }
  for (const auto& l : f.legs) {
    const std::string state = l.member.empty() ? "" : l.faulty ? "faulty" : !l.in_sync ? "not in sync" : "";
    if (l.local && (l.member.empty() || !state.empty()))
      return refuse(Refusal::kLegOut, l.host,
                    "this system's leg of " + t + " is " + (state.empty() ? "not in the array" : state) +
                        ": the mirror is degraded and there is no good copy to compare with here: see 'netraid "
                        "status " + t + "'");
    if (!l.local && l.member.empty())
      return refuse(Refusal::kLegOut, l.host,
                    "target " + l.host + " of " + t + " is not mirroring (its leg is not in the array): the mirror "
                    "is degraded: bring it back ('netraid resync " + t + "'), wait for it ('netraid wait " + t +
                        "'), then verify");
    if (!l.local && !state.empty())
      return refuse(Refusal::kLegOut, l.host,
                    "target " + l.host + "'s leg (" + l.member + ") of " + t + " is " + state +
                        ": the mirror is degraded: bring it back ('netraid resync " + t + "'), wait for it ('netraid "
                        "wait " + t + "'), then verify");
  }
  if (f.degraded > 0)
    return refuse(Refusal::kDegraded, "",
                  f.md_device + " is degraded (md counts " + std::to_string(f.degraded) +
                      " missing leg(s)) although every target of " + t + " is in it: see 'mdadm --detail " +
                      f.md_device + "'");
  if (f.repair) {
    // md's repair rewrites every leg from the first readable one in slot
    // order (raid1 process_checks): right only when that is this system's.
    const auto& local = *std::find_if(f.legs.begin(), f.legs.end(), [](const LegFact& l) { return l.local; });
    for (const auto& l : f.legs) {
      if (l.local) continue;
      if (!local.slot || !l.slot)
        return refuse(Refusal::kRepairFromTarget, l.host,
                      "cannot tell which leg md's repair of " + t + " would copy from (no slot for " +
                          (local.slot ? l.member : local.member) + " in md's sysfs): run 'netraid fullresync " + t +
                          "' to copy this system's leg to every target instead");
      if (*l.slot < *local.slot)
        return refuse(Refusal::kRepairFromTarget, l.host,
                      "md's repair copies the leg in the lowest slot over the others, and target " + l.host +
                          "'s leg (slot " + std::to_string(*l.slot) + ") comes before this system's (slot " +
                          std::to_string(*local.slot) + "): --repair would overwrite the source's data with " +
                          l.host + "'s: copy this system's leg to the targets with 'netraid fullresync " + t +
                          "' instead");
    }
  }
  return {};
}

void add_differences(std::vector<Region>& regions, std::uint64_t offset, std::string_view a, std::string_view b,
                     const std::string& host) {
  const std::size_t size = std::max(a.size(), b.size());
  for (std::size_t at = 0; at < size; at += kCompareBlock) {
    const auto pa = at < a.size() ? a.substr(at, kCompareBlock) : std::string_view();
    const auto pb = at < b.size() ? b.substr(at, kCompareBlock) : std::string_view();
    if (pa == pb) continue;
    const std::uint64_t start = offset + at;
    const std::uint64_t length = std::min<std::uint64_t>(kCompareBlock, size - at);
    if (!regions.empty() && regions.back().host == host &&
        regions.back().offset_bytes + regions.back().length_bytes == start)
      regions.back().length_bytes += length;
    else
      regions.push_back({start, length, host});
  }
}

namespace {

std::string rate_text(std::uint64_t bytes, std::int64_t seconds) {
  if (seconds <= 0) return "";
  char text[48];
  std::snprintf(text, sizeof text, ", %.1f MB/s", static_cast<double>(bytes) / 1e6 / static_cast<double>(seconds));
  return text;
}

std::string hosts_of(const Record& r) {
  std::vector<std::string> hosts;
  for (const auto& g : r.regions)
    if (std::find(hosts.begin(), hosts.end(), g.host) == hosts.end()) hosts.push_back(g.host);
  std::string s;
  for (const auto& h : hosts) s += (s.empty() ? "" : ", ") + h;
  return s;
}

}  // namespace

std::string render_verdict(const std::string& tag, const Record& r) {
  const std::int64_t seconds = r.ended > r.started ? r.ended - r.started : 0;
  const std::string sectors = std::to_string(r.mismatch_sectors) + " sectors (" +
                              std::to_string(r.mismatch_sectors * 512) + " bytes, md's mismatch_cnt)";
  if (r.result == "identical")
    return tag + ": legs identical (" + std::to_string(r.bytes_compared) + " bytes compared in " +
           std::to_string(seconds) + " s" + rate_text(r.bytes_compared, seconds) + ")";
  if (r.result == "differ") {
    std::string where;
    if (r.regions_listed && r.regions_total)
      where = " in " + std::to_string(r.regions_total) + (r.regions_total == 1 ? " region" : " regions") + " on " +
              hosts_of(r);
    else if (r.regions_listed)
      where = " (the comparison in user space found no region that stayed different: written meanwhile)";
    return tag + ": " + sectors + " differ between the legs" + where +
           ": nothing was changed; 'netraid verify " + tag + " --repair' copies this system's leg (the source's, "
           "which the file system reads) over the targets' where they differ";
  }
  if (r.result == "repaired")
    return tag + ": " + sectors + " differed and were repaired: md copied this system's leg (the source's) over the "
           "targets' where they differed; 'netraid verify " + tag + "' confirms";
  return tag + ": not verified: " + (r.note.empty() ? "md's " + r.action + " did not run to its end" : r.note) +
         (r.action == "repair" ? " (what it covered was repaired)" : "; nothing was changed") + ": run 'netraid verify " +
         tag + (r.action == "repair" ? " --repair" : "") + "' again";
}

std::vector<std::string> render_regions(const Record& r) {
  std::vector<std::string> lines;
  for (const auto& g : r.regions)
    lines.push_back("  bytes " + std::to_string(g.offset_bytes) + "-" + std::to_string(g.offset_bytes + g.length_bytes - 1) +
                    " (" + std::to_string(g.length_bytes) + " bytes) of the array differ on " + g.host);
  if (r.regions_total > r.regions.size())
    lines.push_back("  ... and " + std::to_string(r.regions_total - r.regions.size()) + " more regions");
  return lines;
}

std::string to_json(const Record& r) {
  nlohmann::json regions = nlohmann::json::array();
  for (const auto& g : r.regions)
    regions.push_back({{"offset_bytes", g.offset_bytes}, {"length_bytes", g.length_bytes}, {"host", g.host}});
  nlohmann::json doc = {{"action", r.action},
                        {"result", r.result},
                        {"started", r.started},
                        {"ended", r.ended},
                        {"bytes_compared", r.bytes_compared},
                        {"mismatch_sectors", r.mismatch_sectors},
                        {"speed_limit_kib_s", r.speed_limit_kib_s ? nlohmann::json(*r.speed_limit_kib_s) : nlohmann::json()},
                        {"regions_listed", r.regions_listed},
                        {"regions_total", r.regions_total},
                        {"regions", regions},
                        {"note", r.note}};
  return doc.dump() + "\n";
}

Record from_json(const std::string& text) {
  const auto doc = nlohmann::json::parse(text);
  Record r;
  r.action = doc.at("action").get<std::string>();
  r.result = doc.at("result").get<std::string>();
  r.started = doc.at("started").get<std::int64_t>();
  r.ended = doc.at("ended").get<std::int64_t>();
  r.bytes_compared = doc.at("bytes_compared").get<std::uint64_t>();
  r.mismatch_sectors = doc.at("mismatch_sectors").get<std::uint64_t>();
  if (!doc.at("speed_limit_kib_s").is_null()) r.speed_limit_kib_s = doc.at("speed_limit_kib_s").get<std::uint64_t>();
  r.regions_listed = doc.at("regions_listed").get<bool>();
  r.regions_total = doc.at("regions_total").get<std::uint64_t>();
  for (const auto& g : doc.at("regions"))
    r.regions.push_back({g.at("offset_bytes").get<std::uint64_t>(), g.at("length_bytes").get<std::uint64_t>(),
                         g.at("host").get<std::string>()});
  r.note = doc.value("note", "");
  return r;
}

namespace {
std::string record_path(const Context& ctx, const std::string& tag) { return ctx.settings.run_dir + "/" + tag + ".verify.json"; }
}  // namespace

std::optional<Record> load(const Context& ctx, const std::string& tag) {
  try {
    const auto text = config::read_file(record_path(ctx, tag));
    if (!text) return std::nullopt;
    return from_json(*text);
  } catch (const std::exception&) {
    return std::nullopt;  // status shows nothing rather than failing on a damaged record
  }
}

void save(const Context& ctx, const std::string& tag, const Record& record) {
  config::write_file_atomically(record_path(ctx, tag), to_json(record));
}

namespace {

std::string leaf(const std::string& device) {
  std::error_code ec;
  const auto real = fs::canonical(device, ec);
  return (ec ? fs::path(device) : real).filename().string();
}

Facts gather(const Context& ctx, const config::MirrorConfig& m, bool repair) {
  Facts f;
  f.tag = m.tag;
  f.md_device = m.md_device;
  f.repair = repair;
  const config::System* self = m.find(ctx.settings.node_name);
  f.in_service = self && mirror_active(ctx, m, ctx.settings.node_name);
  if (!f.in_service) return f;
  const std::string md = md_name(m.md_device);
  f.sync_action = trimmed(ctx.system->md_read(md, "sync_action").value_or(""));
  f.sync_completed = trimmed(ctx.system->md_read(md, "sync_completed").value_or(""));
  try {
    f.degraded = static_cast<unsigned>(
        mdadm::parse_number_attribute(trimmed(ctx.system->md_read(md, "degraded").value_or("0")), "degraded"));
  } catch (const std::exception&) {
    f.degraded = 0;
  }
  const auto legs = load_legs(ctx, m.tag);
  const auto paused = load_paused(ctx, m.tag);
  auto observe = [&](const config::System& sys, bool local) {
    LegFact l;
    l.host = sys.host;
    l.local = local;
    l.paused = !local && std::find(paused.begin(), paused.end(), sys.host) != paused.end();
    std::string member;
    if (local) member = leaf(sys.device);
    else if (auto it = legs.find(sys.host); it != legs.end()) member = leaf(it->second);
    if (!member.empty()) {
      if (auto state = ctx.system->md_read(md, "dev-" + member + "/state")) {
        const auto s = mdadm::parse_member_state(trimmed(*state));
        l.member = member;
        l.in_sync = s.in_sync;
        l.faulty = s.faulty;
        if (auto slot = ctx.system->md_read(md, "dev-" + member + "/slot")) l.slot = mdadm::parse_slot(trimmed(*slot));
      }
    }
    f.legs.push_back(l);
  };
  observe(*self, true);
  for (const auto& sys : m.systems)
    if (sys.host != self->host) observe(sys, false);
  return f;
}

std::uint64_t data_offset(const Context& ctx, const std::string& device) {
  try {
    return ctx.system->read_member(device).superblock.data_offset_sectors * 512;
  } catch (const std::exception& e) {
    throw OpError("cannot read the md superblock on " + device + ": " + common::first_line(e.what()));
  }
}

// The regions where the targets' legs differ from this system's, read with
// O_DIRECT while the file system may write: a block that differs is read
// again (3 times, 0.2 s apart) and listed only if it still differs each
// time, so a write that landed between the reads of the two legs is not
// taken for a difference. Paced to md's sync_speed_max, as md's check is.
void locate(const Context& ctx, const config::MirrorConfig& m, Record& r, std::uint64_t size_bytes) {
  const config::System* self = m.find(ctx.settings.node_name);
  const auto legs = load_legs(ctx, m.tag);
  struct Leg {
    std::string host, device;
    std::uint64_t offset;
  };
  const Leg local{self->host, self->device, data_offset(ctx, self->device)};
  std::vector<Leg> targets;
  for (const auto& sys : m.systems)
    if (auto it = legs.find(sys.host); sys.host != self->host && it != legs.end())
      targets.push_back({sys.host, it->second, data_offset(ctx, it->second)});
  constexpr std::size_t kStep = 1 << 20;
  const std::uint64_t limit = r.speed_limit_kib_s.value_or(0) * 1024;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Region> found;
  for (std::uint64_t at = 0; at < size_bytes; at += kStep) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kStep, size_bytes - at));
    const std::string a = ctx.system->read_direct(local.device, local.offset + at, n);
    for (const auto& t : targets) {
      const std::string b = ctx.system->read_direct(t.device, t.offset + at, n);
      if (a == b) continue;
      std::vector<Region> still;
      add_differences(still, at, a, b, t.host);
      for (int attempt = 0; attempt < 3 && !still.empty(); ++attempt) {
        ctx.system->sleep_ms(200);
        std::vector<Region> next;
        for (const auto& g : still)
          add_differences(next, g.offset_bytes,
                          ctx.system->read_direct(local.device, local.offset + g.offset_bytes, g.length_bytes),
                          ctx.system->read_direct(t.device, t.offset + g.offset_bytes, g.length_bytes), t.host);
        still = std::move(next);
      }
      for (const auto& g : still) {
        if (!found.empty() && found.back().host == g.host &&
            found.back().offset_bytes + found.back().length_bytes == g.offset_bytes)
          found.back().length_bytes += g.length_bytes;
        else
          found.push_back(g);
      }
    }
    if (limit) {
      const double due = static_cast<double>(at + n) / static_cast<double>(limit);
      const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (due > spent) ctx.system->sleep_ms(static_cast<int>((due - spent) * 1000));
    }
  }
  r.regions_listed = true;
  r.regions_total = found.size();
  if (found.size() > kMaxRegions) found.resize(kMaxRegions);
  r.regions = std::move(found);
}

}  // namespace

Record run(Context& ctx, const Request& req) {
  const config::MirrorConfig m = ctx.store.load(req.tag);
  const Decision d = verify_refusal(gather(ctx, m, req.repair));
  if (d.refusal != Refusal::kNone) throw OpError(d.reason, kVerifyNotVerified);
  const std::string md = md_name(m.md_device);
  const auto read = [&](const char* attribute) { return trimmed(ctx.system->md_read(md, attribute).value_or("")); };
  const auto write = [&](const char* attribute, const std::string& value) {
    try {
      ctx.system->md_write(md, attribute, value);
    } catch (const std::exception& e) {
      throw OpError("md refused '" + value + "' in " + md + "'s " + attribute + ": " + common::first_line(e.what()) +
                        ": see 'netraid status " + m.tag + "'",
                    kVerifyNotVerified);
    }
  };
  // md resumes a stopped check from sync_min and pauses at sync_max: the
  // whole array, from its start.
  if (read("sync_min") != "0") write("sync_min", "0");
  if (read("sync_max") != "max") write("sync_max", "max");

  Record r;
  r.action = req.repair ? "repair" : "check";
  try {
    r.speed_limit_kib_s = mdadm::parse_speed_limit(read("sync_speed_max")).kb_per_s;
  } catch (const std::exception&) {
  }
  r.started = ctx.system->now();
  ctx.say(m.tag + ": md's " + r.action + " of " + m.md_device + " started" +
          (r.speed_limit_kib_s ? " (at most " + std::to_string(*r.speed_limit_kib_s) + " KB/s: sync_speed_max)" : ""));
  write("sync_action", r.action);

  std::string stopped;  // why verify stopped md's check itself
  std::string percent;
  const auto stop = [&](const std::string& why) {
    stopped = why + percent;
    write("sync_action", "idle");
    for (int i = 0; i < 60 && read("sync_action") == r.action; ++i) ctx.system->wait_md_event({md}, 1);
  };
  for (;;) {
    ctx.system->wait_md_event({md}, 1);
    status::ResyncSample s;
    try {
      s = status::sample_resync(ctx, m);
    } catch (const OpError&) {
      stopped = "the array stopped during the " + r.action;
      break;
    }
    if (s.action != r.action) break;
    if (s.total_sectors) percent = " at " + std::to_string(s.done_sectors * 100 / s.total_sectors) + "%";
    if (req.progress) req.progress(s);
    if (req.timeout_seconds && ctx.system->now() - r.started >= static_cast<std::int64_t>(req.timeout_seconds)) {
      stop("timed out after " + std::to_string(req.timeout_seconds) + " s");
      break;
    }
    if (req.stop_requested && req.stop_requested()) {
      stop("stopped by a signal");
      break;
    }
  }
  r.ended = ctx.system->now();
  std::string interrupted = stopped;
  std::uint64_t degraded = 0;
  try {
    degraded = mdadm::parse_number_attribute(read("degraded"), "degraded");
  } catch (const std::exception&) {
  }
  if (interrupted.empty() && degraded > 0)
    interrupted = "a leg failed during the " + r.action + " (see 'netraid status " + m.tag + "')";
  // md records where an interrupted check stopped in sync_min (0 when it ran to its end).
  if (const auto where = read("sync_min"); interrupted.empty() && where != "0" && !where.empty())
    interrupted = "md's " + r.action + " was stopped at sector " + where + " (someone wrote idle or frozen to " + md +
                  "'s sync_action)";
  try {
    r.mismatch_sectors = mdadm::parse_number_attribute(read("mismatch_cnt"), "mismatch_cnt");
  } catch (const std::exception&) {
  }
  if (!interrupted.empty()) {
    r.result = "interrupted";
    r.note = interrupted;
  } else {
    try {
      r.bytes_compared = mdadm::parse_number_attribute(read("component_size"), "component_size") * 1024;
    } catch (const std::exception&) {
    }
    r.result = r.mismatch_sectors == 0 ? "identical" : req.repair ? "repaired" : "differ";
    if (r.result == "differ" && req.locate) {
      ctx.say(m.tag + ": md found " + std::to_string(r.mismatch_sectors) +
              " sectors that differ; comparing the legs block by block to list where");
      try {
        locate(ctx, m, r, r.bytes_compared);
      } catch (const std::exception& e) {
        r.note = "regions not listed: " + common::first_line(e.what());
      }
    }
  }
  save(ctx, m.tag, r);
  return r;
}

}  // namespace netraid::mirror::verify
