// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/resync_rate.hpp"

#include "netraid/common/quote.hpp"

namespace netraid::mirror {

std::vector<std::pair<std::string, std::string>> set_speed_limits(const Context& ctx, const std::string& tag,
                                                                  const SpeedRequest& request) {
  const auto m = ctx.store.load(tag);
  if (!mirror_active(ctx, m, ctx.settings.node_name)) throw OpError("mirror " + m.tag + " is not in service on this system");
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
  std::vector<std::pair<std::string, std::string>> applied;
  for (const auto& [attribute, value] :
       {std::pair{"sync_speed_max", request.max_kbs}, std::pair{"sync_speed_min", request.min_kbs}}) {
    if (!value) continue;
    ctx.system->md_write(md, attribute, *value == 0 ? std::string("system") : std::to_string(*value));
    applied.emplace_back(attribute, ctx.system->md_read(md, attribute).value_or("?"));
  }
  return applied;
}

void apply_tunable_speed_limits(const Context& ctx, const config::MirrorConfig& m) {
  const auto& t = ctx.settings.tunables;
  for (const auto& [attribute, key, value] :
       {std::tuple{"sync_speed_max", "LKDR_SPEED_LIMIT", t.speed_limit_kbs.value},
        std::tuple{"sync_speed_min", "LKDR_SPEED_LIMIT_MIN", t.speed_limit_min_kbs.value}}) {
    if (!value) continue;
    try {
      ctx.system->md_write(md_name(m.md_device), attribute, std::to_string(*value));
      ctx.say(m.tag + ": " + attribute + " = " + std::to_string(*value) + " KB/s (" + key + ")");
    } catch (const std::exception& e) {
      ctx.say(m.tag + ": warning: " + key + " not applied to " + m.md_device + ": " + e.what());
    }
  }
}

}  // namespace netraid::mirror
