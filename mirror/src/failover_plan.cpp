// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/failover_plan.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "netraid/mdadm/sysfs_values.hpp"
#include "netraid/mirror/exit_codes.hpp"

namespace netraid::mirror::failover {

int refusal_exit_code(flags::ServiceAction action) {
  using flags::ServiceAction;
  switch (action) {
    case ServiceAction::RefuseWaitForPreviousSource: return mirror::kRefusedWaitForSource;
    case ServiceAction::RefuseStale: return mirror::kRefusedStale;
    case ServiceAction::RefuseSplitBrain: return mirror::kRefusedSplitBrain;
    case ServiceAction::RefuseInServiceElsewhere: return mirror::kRefusedInServiceElsewhere;
    case ServiceAction::RefusePreviousSourceUp: return mirror::kRefusedPreviousSourceUp;
    case ServiceAction::RefuseHalfSynced: return mirror::kRefusedHalfSynced;
    case ServiceAction::RefuseDataCorrupt: return mirror::kRefusedDataCorrupt;
    case ServiceAction::RefusePeerNewer: return mirror::kRefusedPeerNewer;
    case ServiceAction::RefuseNoLocalData: return mirror::kRefusedNoLocalData;
    case ServiceAction::RefuseTargetsUnreachable: return mirror::kRefusedTargetsUnreachable;
    case ServiceAction::AlreadyInService:
    case ServiceAction::InServicePartialResync:
    case ServiceAction::InServiceFullResync:
    case ServiceAction::ForceOnline: break;
  }
  return mirror::kFailed;
}

std::string_view refusal_class(flags::ServiceAction action) {
  using flags::ServiceAction;
  switch (action) {
    case ServiceAction::RefuseWaitForPreviousSource: return "wait_for_previous_source";
    case ServiceAction::RefuseStale: return "stale";
    case ServiceAction::RefuseSplitBrain: return "split_brain";
    case ServiceAction::RefuseInServiceElsewhere: return "in_service_elsewhere";
    case ServiceAction::RefusePreviousSourceUp: return "previous_source_up";
    case ServiceAction::RefuseHalfSynced: return "half_synced";
    case ServiceAction::RefuseDataCorrupt: return "data_corrupt";
    case ServiceAction::RefusePeerNewer: return "peer_newer";
    case ServiceAction::RefuseNoLocalData: return "no_local_data";
    case ServiceAction::RefuseTargetsUnreachable: return "targets_unreachable";
    case ServiceAction::AlreadyInService:
    case ServiceAction::InServicePartialResync:
    case ServiceAction::InServiceFullResync:
    case ServiceAction::ForceOnline: break;
  }
  return "";
}

using nlohmann::json;

namespace {

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::uint64_t parse_hex(const std::string& word) {
  if (word.empty() || word.size() > 16 || word.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw std::invalid_argument("generation id '" + word + "' is not 1-16 lowercase hex digits");
  return std::stoull(word, nullptr, 16);
}

}  // namespace

std::string generation_to_arg(const flags::Generation& g) {
  std::string s = hex(g.current);
  for (auto h : g.history) s += "," + hex(h);
  return s;
}

flags::Generation generation_from_arg(const std::string& text) {
  flags::Generation g;
  std::size_t pos = 0;
  bool first = true;
  while (true) {
    auto comma = text.find(',', pos);
    auto id = parse_hex(text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (first) {
      if (id == 0) throw std::invalid_argument("generation '" + text + "' has current id 0");
      g.current = id;
      first = false;
    } else {
      g.history.push_back(id);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (g.history.size() > flags::kGenerationHistory)
    throw std::invalid_argument("generation '" + text + "' has more than 32 history ids");
  return g;
}

std::string render_report(const flags::PeerReport& r, const std::map<std::string, flags::SyncState>& targets,
                          const std::optional<ReleasedReport>& released) {
  json j;
  j["released"] = released ? json{{"exposure", released->exposure}, {"reason", released->reason}} : json(nullptr);
  j["targets"] = json::object();
  for (const auto& [node, state] : targets) j["targets"][node] = std::string(flags::to_string(state));
  j["node"] = r.node;
  j["in_service"] = r.in_service;
  j["last_owner"] = r.flags.last_owner;
  j["source"] = r.flags.source ? json(*r.flags.source) : json(nullptr);
  j["data_corrupt"] = r.flags.data_corrupt;
  j["sync_state"] = r.flags.sync_state ? json(std::string(flags::to_string(*r.flags.sync_state))) : json(nullptr);
  j["generation"] = r.flags.generation.empty() ? json(nullptr) : json(generation_to_arg(r.flags.generation));
  j["leg"] = {{"has_superblock", r.leg.has_superblock},
              {"array_uuid", r.leg.array_uuid},
              {"events", r.leg.events},
              {"recovery_incomplete", r.leg.recovery_incomplete},
              {"bitmap_usable", r.leg.bitmap_usable},
              {"bitmap_events_cleared", r.leg.bitmap_events_cleared}};
  return j.dump() + "\n";
}

flags::PeerReport parse_report(const std::string& node, const std::string& json_text) {
  flags::PeerReport r;
  r.node = node;
  try {
    auto j = json::parse(json_text);
    if (j.at("node").get<std::string>() != node)
      throw std::invalid_argument("flags report from " + node + " names another system ('" +
                                  j.at("node").get<std::string>() + "'): check the mirror's configuration");
    r.reachable = true;
    r.in_service = j.at("in_service").get<bool>();
    r.flags.last_owner = j.at("last_owner").get<bool>();
    if (!j.at("source").is_null()) r.flags.source = j.at("source").get<std::string>();
    r.flags.data_corrupt = j.at("data_corrupt").get<bool>();
    if (!j.at("sync_state").is_null())
      r.flags.sync_state = flags::parse_sync_state(j.at("sync_state").get<std::string>() + "\n");
    if (!j.at("generation").is_null()) r.flags.generation = generation_from_arg(j.at("generation").get<std::string>());
    const auto& l = j.at("leg");
    r.leg.has_superblock = l.at("has_superblock").get<bool>();
    r.leg.array_uuid = l.at("array_uuid").get<std::string>();
    r.leg.events = l.at("events").get<std::uint64_t>();
    r.leg.recovery_incomplete = l.at("recovery_incomplete").get<bool>();
    r.leg.bitmap_usable = l.at("bitmap_usable").get<bool>();
    r.leg.bitmap_events_cleared = l.at("bitmap_events_cleared").get<std::uint64_t>();
  } catch (const json::exception& e) {
    throw std::invalid_argument("flags report from " + node + " is not valid (" + std::string(e.what()) +
                                "): check that it runs the same netraid version");
  } catch (const std::runtime_error& e) {  // FlagError of parse_sync_state
    throw std::invalid_argument("flags report from " + node + ": " + e.what());
  }
  return r;
}

std::optional<flags::SyncState> reported_target_state(const std::string& json_text, const std::string& target) {
  try {
    const auto j = json::parse(json_text);
    if (!j.contains("targets") || !j["targets"].contains(target)) return std::nullopt;
    return flags::parse_sync_state(j["targets"][target].get<std::string>() + "\n");
  } catch (const std::exception&) {
    throw std::invalid_argument("flags report names a sync state of " + target +
                                " that is not valid: check that every system runs the same netraid version");
  }
}

std::optional<ReleasedReport> reported_released(const std::string& json_text) {
  try {
    const auto j = json::parse(json_text);
    if (!j.contains("released") || j["released"].is_null()) return std::nullopt;
    return ReleasedReport{j["released"].at("exposure").get<std::string>(), j["released"].at("reason").get<std::string>()};
  } catch (const json::exception& e) {
    throw std::invalid_argument("flags report names a released copy that is not valid (" + std::string(e.what()) +
                                "): check that every system runs the same netraid version");
  }
}

std::optional<flags::SyncState> effective_sync_state(std::optional<flags::SyncState> own,
                                                     std::optional<flags::SyncState> recorded_by_source) {
  auto rank = [](flags::SyncState s) {
    return s == flags::SyncState::InSync ? 0 : s == flags::SyncState::Resyncing ? 1 : 2;
  };
  if (!own) return own;  // never told anything: stays "never in sync"
  if (recorded_by_source && rank(*recorded_by_source) > rank(*own)) return recorded_by_source;
  return own;
}

flags::SyncState observed_target_state(bool in_array, bool faulty, const std::string& state) {
  const auto member = mdadm::parse_member_state(state);
  if (!in_array || faulty || member.faulty) return flags::SyncState::OutOfSync;
  return member.in_sync ? flags::SyncState::InSync : flags::SyncState::Resyncing;
}

TargetUpdate plan_target_update(std::optional<flags::SyncState> recorded, flags::SyncState now) {
  TargetUpdate u;
  if (recorded == now) return u;
  u.record = true;
  // Out of sync too: the replication link and the command path (ssh, the
  // cluster's comm path) fail independently; a target told it missed writes
  // refuses to take over with them. When it is down, telling fails and it
  // learns its state when it is connected again.
  u.tell_target = true;
  u.give_generation = now == flags::SyncState::InSync;
  return u;
}

}  // namespace netraid::mirror::failover
