// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/resync_rate.hpp"

#include <nlohmann/json.hpp>

#include "netraid/common/quote.hpp"
#include "netraid/mirror/lifecycle.hpp"

namespace netraid::mirror {

namespace {

// The request checked against what md has in force for M's array here
// (reads only): UsageError when the minimum would end up above the limit.
void check_speed_request(const Context& ctx, const config::MirrorConfig& m, const SpeedRequest& request) {
  const auto md = md_name(m.md_device);
  const auto speed = [](const std::string& where, const std::optional<std::string>& text) {
    if (auto kbs = parse_md_speed(text.value_or(""))) return *kbs;
    throw OpError(where + " reads " + common::quoted(text.value_or("").substr(0, 40)) +
                  ", not a speed in KB/s: check the kernel's md");
  };
  const auto md_speed = [&](const char* attribute) { return speed(attribute, ctx.system->md_read(md, attribute)); };
  const auto system_speed = [&](const char* name) {
    const auto path = std::string("/proc/sys/dev/raid/") + name;
    return speed(path, ctx.system->read_proc(path));
  };
  const SpeedLimits current{md_speed("sync_speed_min"), md_speed("sync_speed_max")};
  const SpeedLimits system{system_speed("speed_limit_min"), system_speed("speed_limit_max")};
  if (auto problem = speed_limits_problem(request, current, system); !problem.empty())
    throw UsageError(m.tag + ": " + problem);
}

std::vector<std::pair<std::string, std::string>> write_speed_request(const Context& ctx, const config::MirrorConfig& m,
                                                                     const SpeedRequest& request) {
  const auto md = md_name(m.md_device);
  std::vector<std::pair<std::string, std::string>> applied;
  for (const auto& [attribute, value] :
       {std::pair{"sync_speed_max", request.max_kbs}, std::pair{"sync_speed_min", request.min_kbs}}) {
    if (!value) continue;
    ctx.system->md_write(md, attribute, *value == 0 ? std::string("system") : std::to_string(*value));
    applied.emplace_back(attribute, ctx.system->md_read(md, attribute).value_or("?"));
  }
  return applied;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> set_speed_limits(const Context& ctx, const std::string& tag,
                                                                  const SpeedRequest& request) {
  const auto m = ctx.store.load(tag);
  if (!mirror_active(ctx, m, ctx.settings.node_name)) throw OpError("mirror " + m.tag + " is not in service on this system");
  check_speed_request(ctx, m, request);
  return write_speed_request(ctx, m, request);
}

std::vector<std::string> set_tunables(Context& ctx, const std::string& tag, const TunableChanges& changes) {
  const auto m = ctx.store.load(tag);
  auto next = m;
  for (const auto& [key, value] : changes) {
    if (value.empty())
      next.tunables.erase(key);
    else
      next.tunables[key] = value;
  }
  // Everything is checked before the first change: the values themselves
  // (the config's own rule, as on every system that imports it), then what
  // they make in force here with the environment and /etc/default/LifeKeeper.
  if (auto problem = config::validate(next); !problem.empty()) throw UsageError(problem);
  const auto before = mirror_tunables(ctx, m);
  const auto after = mirror_tunables(ctx, next);
  // The running array takes a changed limit now (0 = md's system default
  // when the key is no longer set anywhere).
  SpeedRequest request;
  const auto limit = [](const auto& setting) { return setting.value.value_or(0); };
  if (after.speed_limit_kbs.value != before.speed_limit_kbs.value) request.max_kbs = limit(after.speed_limit_kbs);
  if (after.speed_limit_min_kbs.value != before.speed_limit_min_kbs.value)
    request.min_kbs = limit(after.speed_limit_min_kbs);
  const bool active = mirror_active(ctx, next, ctx.settings.node_name);
  const bool speed_changes = request.max_kbs || request.min_kbs;
  if (active && speed_changes) check_speed_request(ctx, next, request);

  ctx.store.save(next);
  share_config(ctx, next);
  std::vector<std::string> lines;
  const auto doc = nlohmann::json::parse(tunables::render_json(after, tunables::Scope::kPerMirror));
  for (const auto& [key, value] : changes) {
    if (!doc.contains(key)) continue;
    const auto& row = doc.at(key);
    const std::string origin = row.at("origin").get<std::string>();
    lines.push_back(tag + ": " + key + " = " + (row.at("value").is_null() ? "md's system default" : row.at("value").dump()) +
                    " (" + origin + ")");
    if (!value.empty() && origin == tunables::to_string(tunables::Origin::kEnvironment))
      ctx.say("warning: " + tag + ": the environment's " + key +
              " wins over the mirror's value in this command (unset it to see the mirror's)");
  }
  if (active && speed_changes)
    for (const auto& [attribute, shown] : write_speed_request(ctx, next, request))
      lines.push_back(tag + ": " + attribute + " = " + shown);
  return lines;
}

void apply_tunable_speed_limits(const Context& ctx, const config::MirrorConfig& m) {
  const auto t = mirror_tunables(ctx, m);
  for (const auto& [attribute, key, setting] :
       {std::tuple{"sync_speed_max", "LKDR_SPEED_LIMIT", t.speed_limit_kbs},
        std::tuple{"sync_speed_min", "LKDR_SPEED_LIMIT_MIN", t.speed_limit_min_kbs}}) {
    const auto& value = setting.value;
    if (!value) continue;
    try {
      ctx.system->md_write(md_name(m.md_device), attribute, std::to_string(*value));
      ctx.say(m.tag + ": " + attribute + " = " + std::to_string(*value) + " KB/s (" + key + ", " +
              std::string(tunables::to_string(setting.origin)) + ")");
    } catch (const std::exception& e) {
      ctx.say(m.tag + ": warning: " + key + " not applied to " + m.md_device + ": " + e.what());
    }
  }
}

}  // namespace netraid::mirror
