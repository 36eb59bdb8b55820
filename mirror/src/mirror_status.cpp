// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/mirror_status.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "netraid/mdadm/sysfs_values.hpp"
#include "netraid/mirror/leg_plan.hpp"
#include "netraid/mirror/progress.hpp"

namespace netraid::mirror::status {

namespace {

using mdadm::MdstatArray;
using mdadm::MdstatMember;
using mdadm::SyncKind;
using mdadm::SyncState;

std::string without_dev_prefix(std::string_view name) {
  constexpr std::string_view kDev = "/dev/";
  if (name.substr(0, kDev.size()) == kDev) name.remove_prefix(kDev.size());
  return std::string(name);
}

const MdstatMember* find_member(const MdstatArray& array, std::string_view name) {
  for (const auto& m : array.members)
    if (m.name == name) return &m;
  return nullptr;
}

// What md says about one member, before deciding the DataKeeper word.
enum class LegSync { InSync, Behind, Faulty, Spare, Indeterminate };

// md's view of the array's sync activity, reduced to what changes the legs'
// statuses. A check/repair scrubs legs that are already in sync, so it does
// not make anyone Resyncing.
struct SyncActivity {
  bool whole_array = false;  // resync: every leg is being made consistent
  bool running = false;      // progress numbers exist
  bool waiting = false;      // PENDING / DELAYED / REMOTE
  bool any = false;
};

SyncActivity sync_activity(const MdstatArray& array) {
  SyncActivity a;
  if (!array.sync) return a;
  const auto& s = *array.sync;
  if (s.kind == SyncKind::Check || s.kind == SyncKind::Repair) return a;
  a.any = true;
  a.running = s.state == SyncState::Running;
  a.waiting = !a.running;
  // The kernel prints "resync=PENDING/DELAYED" without saying what is pending;
  // a dirty auto-read-only array must resync all legs, so none is claimed in sync.
  a.whole_array = s.kind == SyncKind::Resync || s.kind == SyncKind::Reshape || a.waiting;
  return a;
}

// Classifies every member. sysfs dev-*/state is authoritative when given; a
// member without it falls back to mdstat: (F), (S), and the [n/m] count of
// in-sync legs. Because mdstat lists members by descriptor, not slot, the
// count can only be attributed when it leaves no choice: either every leg of
// unknown state is in sync, or every NBD leg of unknown state is behind (the
// source's local leg is taken as in sync, since md runs the array from it).
std::map<std::string, LegSync> classify_members(const MdstatArray& array, const NodeObservations& seen,
                                                const std::set<std::string>& nbd_members) {
  std::map<std::string, LegSync> out;
  std::vector<std::string> unknown;
  unsigned active_members = 0;
  unsigned known_behind = 0;
  for (const auto& m : array.members) {
    if (m.journal) continue;
    const auto state_text = seen.member_states.find(m.name);
    if (state_text != seen.member_states.end()) {
      const auto st = mdadm::parse_member_state(state_text->second);
      if (st.faulty) out[m.name] = LegSync::Faulty;
      else if (st.in_sync) out[m.name] = LegSync::InSync;
      else if (m.spare) out[m.name] = LegSync::Spare;  // no slot: nothing recovers it
      else out[m.name] = LegSync::Behind;
    } else if (m.faulty) {
      out[m.name] = LegSync::Faulty;
    } else if (m.spare) {
      out[m.name] = LegSync::Spare;
    } else {
      unknown.push_back(m.name);
    }
    const auto c = out.find(m.name);
    if (c == out.end() || c->second == LegSync::InSync || c->second == LegSync::Behind) ++active_members;
    if (c != out.end() && c->second == LegSync::Behind) ++known_behind;
  }
  const unsigned working = array.working_disks.value_or(active_members);
  const unsigned behind_total = active_members > working ? active_members - working : 0;
  const unsigned behind_unknown = behind_total > known_behind ? behind_total - known_behind : 0;
  const auto unknown_nbd = static_cast<unsigned>(
      std::count_if(unknown.begin(), unknown.end(), [&](const std::string& n) { return nbd_members.count(n) > 0; }));
  for (const auto& name : unknown) {
    const bool is_nbd = nbd_members.count(name) > 0;
    if (behind_unknown == 0 || !is_nbd) out[name] = LegSync::InSync;
    else if (behind_unknown == unknown_nbd) out[name] = LegSync::Behind;
    else out[name] = LegSync::Indeterminate;
  }
  return out;
}

ResyncProgress progress_of(const MdstatArray& array) {
  ResyncProgress p;
  const auto& s = *array.sync;
  if (s.state != SyncState::Running) {
    p.waiting = true;
    return p;
  }
  p.percent = s.permille / 10.0;
  p.done_kib = s.done_kb;
  p.total_kib = s.total_kb;
  p.speed_kib_s = s.speed_kb_per_s;
  // From the numbers rather than finish=: the kernel rounds finish to 0.1 min.
  if (s.speed_kb_per_s && *s.speed_kb_per_s > 0) {
    const auto left = s.total_kb > s.done_kb ? s.total_kb - s.done_kb : 0;
    p.eta_seconds = (left + *s.speed_kb_per_s / 2) / *s.speed_kb_per_s;
  } else if (s.finish_min) {
    p.eta_seconds = static_cast<std::uint64_t>(std::llround(*s.finish_min * 60.0));
  }
  return p;
}

SystemView target_view(const config::System& system, const MdstatArray& array, const NodeObservations& seen,
                       const std::map<std::string, LegSync>& legs, const SyncActivity& activity) {
  SystemView v{system.host, system.device, "", SystemStatus::OutOfSync, LegProblem::None, std::nullopt, ""};
  const auto attached = seen.attached_nbd.find(system.host);
  if (attached != seen.attached_nbd.end()) v.nbd_device = without_dev_prefix(attached->second);
  // A paused leg is out of the array on purpose; that is not a fault.
  if (seen.paused_targets.count(system.host)) {
    v.status = SystemStatus::Paused;
    return v;
  }
  if (v.nbd_device.empty()) {
    v.problem = LegProblem::NotAttached;
    return v;
  }
  const auto leg = legs.find(v.nbd_device);
  if (leg == legs.end() || !find_member(array, v.nbd_device)) {
    v.problem = LegProblem::NotInArray;
    return v;
  }
  switch (leg->second) {
    case LegSync::Faulty:
      v.problem = LegProblem::Faulty;
      return v;
    case LegSync::Spare:
      v.problem = LegProblem::Spare;
      return v;
    case LegSync::Indeterminate:
      v.status = SystemStatus::Unknown;
      v.problem = LegProblem::Indeterminate;
      return v;
    case LegSync::InSync:
      if (activity.whole_array) break;
      v.status = SystemStatus::Target;
      return v;
    case LegSync::Behind:
      if (activity.any) break;
      // Behind with nothing running (e.g. recovery frozen): it will not catch up by itself.
      v.problem = LegProblem::Spare;
      return v;
  }
  v.status = SystemStatus::Resyncing;
  v.progress = progress_of(array);
  return v;
}

MirrorStatus not_source(MirrorStatus s, const config::MirrorConfig& mirror, const NodeObservations& seen) {
  s.role = seen.serving_as_target || seen.paused_here ? NodeRole::Target : NodeRole::NotActive;
  s.state = MirrorState::Inactive;
  const auto& waited = seen.waiting_for_previous_source;
  for (const auto& sys : mirror.systems) {
    auto status = SystemStatus::Unknown;
    if (!waited.empty() && sys.host == seen.this_node) status = SystemStatus::WaitForPreviousSource;
    if (!waited.empty() && sys.host == waited) status = SystemStatus::PreviousSource;
    if (seen.paused_here && sys.host == seen.this_node) {
      s.systems.push_back({sys.host, sys.device, "", SystemStatus::Paused, LegProblem::None, std::nullopt, ""});
      continue;
    }
    s.systems.push_back({sys.host, sys.device, "", status, LegProblem::NotSource, std::nullopt, ""});
  }
  s.health = seen.expected_source ? Health::Unusable : Health::NoInformation;
  return s;
}

}  // namespace

MirrorStatus compute_mirror_status(const config::MirrorConfig& mirror, const mdadm::Mdstat& mdstat,
                                   const NodeObservations& seen) {
  MirrorStatus s;
  s.tag = mirror.tag;
  s.md_device = mirror.md_device;
  s.tls = mirror.tls;
  s.last_verify = seen.last_verify;
  const auto array_name = without_dev_prefix(seen.array_name);
  const MdstatArray* array = array_name.empty() ? nullptr : mdadm::find_array(mdstat, array_name);
  if (array) s.array_name = array->name;
  if (!array || !array->active) return not_source(std::move(s), mirror, seen);

  s.role = NodeRole::Source;
  if (array->blocks_kb) s.size_bytes = *array->blocks_kb * 1024;
  if (array->bitmap) s.bitmap_chunk_bytes = array->bitmap->chunk_bytes;

  std::set<std::string> nbd_members;
  for (const auto& [host, nbd] : seen.attached_nbd)
    if (host != seen.this_node) nbd_members.insert(without_dev_prefix(nbd));
  const auto legs = classify_members(*array, seen, nbd_members);
  const auto activity = sync_activity(*array);

  bool local_leg_ok = false;
  for (const auto& [name, leg] : legs)
    if (!nbd_members.count(name) && leg == LegSync::InSync) local_leg_ok = true;

  bool any_resyncing = false;
  bool all_targets_in_sync = true;
  for (const auto& sys : mirror.systems) {
    if (sys.host == seen.this_node) {
      s.systems.push_back({sys.host, sys.device, "", SystemStatus::SourceIsp, LegProblem::None, std::nullopt, ""});
      continue;
    }
    auto v = target_view(sys, *array, seen, legs, activity);
    if (seen.seeded_targets.count(sys.host)) v.warning = legs::seeded_warning(mirror.tag, sys.host);
    any_resyncing = any_resyncing || v.status == SystemStatus::Resyncing;
    all_targets_in_sync = all_targets_in_sync && v.status == SystemStatus::Target;
    s.systems.push_back(std::move(v));
  }
  const bool md_degraded = array->raid_disks && array->working_disks && *array->working_disks < *array->raid_disks;
  if (any_resyncing) s.state = MirrorState::Resyncing;
  else if (!all_targets_in_sync || !local_leg_ok || md_degraded) s.state = MirrorState::Degraded;
  else s.state = MirrorState::Clean;
  s.health = s.state == MirrorState::Clean ? Health::Healthy : Health::Degraded;
  return s;
}

int exit_code(Health health) { return static_cast<int>(health); }

int combined_health(const std::vector<MirrorStatus>& mirrors) {
  int code = 0;
  for (const auto& m : mirrors) code |= exit_code(m.health);
  return code;
}

std::string_view to_string(SystemStatus status) {
  switch (status) {
    case SystemStatus::SourceIsp: return "Source (ISP)";
    case SystemStatus::Target: return "Target";
    case SystemStatus::Resyncing: return "Resyncing";
    case SystemStatus::OutOfSync: return "Out of Sync";
    case SystemStatus::Paused: return "Paused";
    case SystemStatus::Unknown: return "Unknown";
    case SystemStatus::WaitForPreviousSource: return "Out of Sync (Wait for Previous Source)";
    case SystemStatus::PreviousSource: return "Out of Sync (Previous Source)";
  }
  return "Unknown";
}

std::string_view to_string(NodeRole role) {
  switch (role) {
    case NodeRole::Source: return "Source";
    case NodeRole::Target: return "Target";
    case NodeRole::NotActive: return "Not active";
  }
  return "Not active";
}

std::string_view to_string(MirrorState state) {
  switch (state) {
    case MirrorState::Clean: return "clean";
    case MirrorState::Degraded: return "degraded";
    case MirrorState::Resyncing: return "resyncing";
    case MirrorState::Inactive: return "inactive";
  }
  return "inactive";
}

std::string_view to_string(Health health) {
  switch (health) {
    case Health::Healthy: return "healthy";
    case Health::Degraded: return "degraded";
    case Health::Unusable: return "unusable";
    case Health::NoInformation: return "no information";
  }
  return "no information";
}

std::string_view to_string(LegProblem problem) {
  switch (problem) {
    case LegProblem::None: return "";
    case LegProblem::NotAttached: return "not attached";
    case LegProblem::NotInArray: return "not in array";
    case LegProblem::Faulty: return "faulty";
    case LegProblem::Spare: return "spare, not recovering";
    case LegProblem::Indeterminate: return "indeterminate";
    case LegProblem::NotSource: return "not source";
  }
  return "";
}

namespace {

// mdadm's human_size(): nothing below ~5 MB, MiB/MB below 2 GiB, else GiB/GB.
std::string human_size(std::uint64_t bytes) {
  char buf[64];
  const double b = static_cast<double>(bytes);
  if (bytes < 5000ull * 1024) return "";
  if (bytes < 2ull << 30)
    std::snprintf(buf, sizeof buf, " (%.2f MiB %.2f MB)", b / (1 << 20), b / 1e6);
  else
    std::snprintf(buf, sizeof buf, " (%.2f GiB %.2f GB)", b / (1 << 30), b / 1e9);
  return buf;
}

std::string progress_text(const SystemView& v) {
  if (v.status == SystemStatus::Resyncing && v.progress) {
    const auto& p = *v.progress;
    if (p.waiting || !p.percent) return "pending";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", *p.percent);
    std::string out = buf;
    if (p.speed_kib_s) out += " " + std::to_string(*p.speed_kib_s) + " KB/s";
    if (p.eta_seconds) out += " ETA " + progress::format_clock(*p.eta_seconds);
    return out;
  }
  if (v.problem != LegProblem::None && v.problem != LegProblem::NotSource) return std::string(to_string(v.problem));
  return "-";
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string utc_time(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

}  // namespace

std::string render_last_verify(const VerifyRecord& r) {
  std::string what;
  if (r.result == "identical") what = "identical";
  else if (r.result == "differ") what = std::to_string(r.mismatch_sectors) + " sectors differ";
  else if (r.result == "repaired") what = std::to_string(r.mismatch_sectors) + " sectors differed, repaired";
  else what = "interrupted" + (r.note.empty() ? std::string() : " (" + r.note + ")");
  if (r.result == "differ" && r.regions_listed)
    what += " in " + std::to_string(r.regions_total) + (r.regions_total == 1 ? " region" : " regions");
  const std::int64_t seconds = r.ended > r.started ? r.ended - r.started : 0;
  return what + ", " + r.action + (r.bytes_compared ? " of " + std::to_string(r.bytes_compared) + " bytes" : "") +
         " ended " + utc_time(r.ended) + " (" + std::to_string(seconds) + " s)";
}

std::string render_human(const MirrorStatus& status) {
  std::vector<std::pair<std::string, std::string>> rows{
      {"Tag", status.tag},
      {"Role", std::string(to_string(status.role))},
      {"Array Device", status.array_name.empty() ? "-" : "/dev/" + status.array_name},
      {"State", std::string(to_string(status.state))},
  };
  if (status.size_bytes)
    rows.emplace_back("Array Size", std::to_string(*status.size_bytes / 1024) + human_size(*status.size_bytes));
  if (status.bitmap_chunk_bytes) {
    const auto chunk = *status.bitmap_chunk_bytes;
    rows.emplace_back("Bitmap Chunk", chunk % 1024 == 0 ? std::to_string(chunk / 1024) + "K" : std::to_string(chunk) + "B");
  }
  rows.emplace_back("Link", status.tls ? "TLS (pre-shared key, kernel TLS)" : "plaintext (--no-tls)");
  rows.emplace_back("Health",
                    std::string(to_string(status.health)) + " (" + std::to_string(exit_code(status.health)) + ")");
  if (status.last_verify) rows.emplace_back("Last Verify", render_last_verify(*status.last_verify));

  std::size_t key_width = 0;
  for (const auto& [key, value] : rows) key_width = std::max(key_width, key.size());
  key_width += 4;  // mdadm indents its keys too
  std::string out = status.md_device + ":\n";
  for (const auto& [key, value] : rows)
    out += std::string(key_width - key.size(), ' ') + key + " : " + value + "\n";

  std::vector<std::vector<std::string>> table{{"Host", "Status", "Device", "NBD", "Progress"}};
  for (const auto& v : status.systems)
    table.push_back({v.host, std::string(to_string(v.status)), v.device, v.nbd_device.empty() ? "-" : v.nbd_device,
                     progress_text(v)});
  std::vector<std::size_t> widths(table[0].size(), 0);
  for (const auto& row : table)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  out += "\n";
  for (const auto& row : table) {
    std::string line = "    ";
    for (std::size_t i = 0; i < row.size(); ++i) line += row[i] + std::string(widths[i] - row[i].size() + 3, ' ');
    out += rstrip(line) + "\n";
  }
  for (const auto& v : status.systems)
    if (!v.warning.empty()) out += "\n    WARNING: " + v.host + ": " + v.warning + "\n";
  return out;
}

namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json or_null(const std::string& value) {
  return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
}

nlohmann::json verify_json(const std::optional<VerifyRecord>& r) {
  if (!r) return nullptr;
  nlohmann::json regions = nlohmann::json::array();
  for (const auto& g : r->regions)
    regions.push_back({{"offset_bytes", g.offset_bytes}, {"length_bytes", g.length_bytes}, {"host", g.host}});
  return {
      {"action", r->action},
      {"result", r->result},
      {"started", r->started},
      {"ended", r->ended},
      {"seconds", r->ended > r->started ? r->ended - r->started : 0},
      {"bytes_compared", r->bytes_compared},
      {"mismatch_sectors", r->mismatch_sectors},
      {"speed_limit_kib_s", or_null(r->speed_limit_kib_s)},
      {"regions_listed", r->regions_listed},
      {"regions_total", r->regions_total},
      {"regions", regions},
      {"note", or_null(r->note)},
  };
}

nlohmann::json system_json(const SystemView& v) {
  const std::optional<ResyncProgress> none;
  const auto& p = v.progress ? v.progress : none;
  auto field = [&](auto member) { return p ? or_null((*p).*member) : nlohmann::json(nullptr); };
  return {
      {"host", v.host},
      {"device", v.device},
      {"nbd_device", or_null(v.nbd_device)},
      {"status", std::string(to_string(v.status))},
      {"problem", v.problem == LegProblem::None ? nlohmann::json(nullptr) : nlohmann::json(std::string(to_string(v.problem)))},
      {"resync_waiting", p ? p->waiting : false},
      {"resync_percent", field(&ResyncProgress::percent)},
      {"done_kib", field(&ResyncProgress::done_kib)},
      {"total_kib", field(&ResyncProgress::total_kib)},
      {"speed_kib_s", field(&ResyncProgress::speed_kib_s)},
      {"eta_seconds", field(&ResyncProgress::eta_seconds)},
      {"warning", or_null(v.warning)},
  };
}

}  // namespace

std::string render_json(const std::vector<MirrorStatus>& mirrors) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : mirrors) {
    nlohmann::json systems = nlohmann::json::array();
    for (const auto& v : m.systems) systems.push_back(system_json(v));
    list.push_back({
        {"tag", m.tag},
        {"role", std::string(to_string(m.role))},
        {"md_device", m.md_device},
        {"array", or_null(m.array_name)},
        {"state", std::string(to_string(m.state))},
        {"size_bytes", or_null(m.size_bytes)},
        {"bitmap_chunk_bytes", or_null(m.bitmap_chunk_bytes)},
        {"tls", m.tls},
        {"health", std::string(to_string(m.health))},
        {"health_code", exit_code(m.health)},
        {"systems", systems},
        {"last_verify", verify_json(m.last_verify)},
        // show-config's rendering, per-mirror keys only: one renderer.
        {"tunables", m.tunables ? nlohmann::json::parse(tunables::render_json(*m.tunables, tunables::Scope::kPerMirror))
                                : nlohmann::json(nullptr)},
    });
  }
  const nlohmann::json doc = {{"schema_version", 1}, {"mirrors", list}, {"exit_code", combined_health(mirrors)}};
  return doc.dump(2) + "\n";
}

}  // namespace netraid::mirror::status
