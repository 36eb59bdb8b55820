// SPDX-License-Identifier: GPL-2.0-or-later
#include <filesystem>

#include "cli_support.hpp"
#include "netraid/mirror/config_store.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/service.hpp"
#include "netraid/mirror/mirror_status.hpp"
#include "netraid/flags/flag_store.hpp"
#include "netraid/flags/lkroot.hpp"
#include "netraid/mdadm/mdstat.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"

namespace {
const char* kUsageText =
    "usage: netraid status [TAG] [--json]\n"
    "  Shows each mirror (or TAG) as this system sees it: its role, the array, and per system the\n"
    "  DataKeeper status (Source (ISP), Target, Resyncing n%, Out of Sync, Paused, Unknown).\n"
    "  Exit status as 'mdadm --detail --test': 0 all in sync, 1 degraded, 2 unusable, 4 no\n"
    "  information (several mirrors: the codes OR-ed). JSON schema: docs/netraid-status.md.\n";

namespace fs = std::filesystem;

netraid::mirror::status::NodeObservations observe(const netraid::mirror::Context& ctx, const netraid::mirror::config::MirrorConfig& m) {
  using namespace netraid;
  using namespace netraid::mirror;
  status::NodeObservations seen;
  seen.this_node = ctx.settings.node_name;
  std::error_code ec;
  // md_device may be a symlink (/dev/md/NAME); the kernel name is its target's.
  const auto real = fs::canonical(m.md_device, ec);
  seen.array_name = ec ? mirror::md_name(m.md_device) : real.filename().string();
  if (mirror::md_active(ctx, "/dev/" + seen.array_name) && mirror::mirror_active(ctx, m, ctx.settings.node_name)) {
    mdadm::MdSysfs md(seen.array_name);
    for (const auto& member : md.members()) {
      try {
        seen.member_states[member] = md.read("dev-" + member + "/state");
      } catch (const std::exception&) {
      }
    }
  }
  for (const auto& [host, nbd] : mirror::load_legs(ctx, m.tag)) seen.attached_nbd[host] = nbd;
  for (const auto& host : mirror::load_paused(ctx, m.tag)) seen.paused_targets.insert(host);
  seen.serving_as_target = ctx.system->run_self({"serve", "--status", m.tag}).exit_code == 0;
  try {
    flags::FlagStore flags(flags::flag_dir_from_system());
    auto owner = flags.last_owner(m.tag);
    seen.expected_source = owner && *owner == ctx.settings.node_name;
  } catch (const std::exception&) {
    seen.expected_source = false;
  }
  return seen;
}

int run_status(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("status", args, [&] {
    auto a = cli::parse_args("status", args, {}, {"--json"});
    if (a.positional.size() > 1) throw cli::ArgsError("status: give at most one TAG");
    mirror::Context ctx(settings::load());
    // stdout is the report (JSON for machines): progress lines go to stderr.
    ctx.say = [](const std::string& line) { std::fprintf(stderr, "netraid: %s\n", line.c_str()); };
    std::vector<config::MirrorConfig> mirrors;
    if (a.positional.empty())
      mirrors = ctx.store.list();
    else
      mirrors.push_back(ctx.store.load(a.positional[0]));
    auto mdstat_text = config::read_file("/proc/mdstat").value_or("");
    const auto mdstat = mdadm::parse_mdstat(mdstat_text);
    std::vector<status::MirrorStatus> all;
    for (const auto& m : mirrors) {
      failover::record_target_states(ctx, m);  // a resync that ended is recorded by whoever sees it first
      all.push_back(status::compute_mirror_status(m, mdstat, observe(ctx, m)));
    }
    if (a.has("--json")) {
      std::printf("%s", status::render_json(all).c_str());
    } else if (all.empty()) {
      std::printf("no mirrors on this system (configs in %s)\n", ctx.settings.conf_dir.c_str());
    } else {
      for (std::size_t i = 0; i < all.size(); ++i)
        std::printf("%s%s", i ? "\n" : "", status::render_human(all[i]).c_str());
    }
    return status::combined_health(all);
  });
}
}  // namespace

NETRAID_VERB("status", kLifecycle, "show mirrors, their targets and resync progress (--json for machines)", run_status);
