// SPDX-License-Identifier: GPL-2.0-or-later
// netraid promotion: the promotion score a cluster manager gives this
// system's copy of a mirror (Pacemaker's ocf:netraid:netraid sets it with
// crm_attribute --promotion), from the decision restore takes
// (mirror/promotion.hpp). Read-only and lock-free: it gathers what restore
// gathers and changes nothing, so a monitor may run it at any time.
#include <sys/stat.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "netraid/mirror/promotion.hpp"
#include "netraid/mirror/service.hpp"
#include "netraid/flags/flag_store.hpp"
#include "netraid/flags/lkroot.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

std::string with_tag(std::string text, const std::string& tag) {
  for (auto pos = text.find("TAG"); pos != std::string::npos; pos = text.find("TAG", pos + tag.size()))
    text.replace(pos, 3, tag);
  return text;
}

// When this copy's source last told it in sync (TAG_sync_state rewritten
// with in_sync), in seconds since the epoch; 0 when it is not in sync. The
// agent clears a fence-peer outdate older than this (docs/pacemaker.md).
long long in_sync_since(const Context& ctx, const std::string& tag, const flags::NodeFlags& local) {
  if (local.sync_state != flags::SyncState::InSync) return 0;
  const flags::FlagStore s(ctx.settings.flag_dir.empty() ? flags::flag_dir_from_system() : ctx.settings.flag_dir);
  struct stat st{};
  if (::stat(s.path(tag, "sync_state").c_str(), &st) != 0) return 0;
  return static_cast<long long>(st.st_mtime);
}

int run_promotion(std::span<const std::string> args) {
  if (cli::wants_help(args, "usage: netraid promotion TAG [--json]\n"
                            "  The promotion score of this system's copy of TAG for a cluster manager, from the\n"
                            "  decision restore takes: 10000 in service here, 1000 minus the failover priority when\n"
                            "  restore would bring it in service (now, or if the system in service failed), 0 when\n"
                            "  restore would refuse it. Prints NETRAID_ROLE, NETRAID_SCORE, NETRAID_STANDING,\n"
                            "  NETRAID_IN_SYNC_SINCE and NETRAID_REASON lines (or one JSON object). Changes nothing.\n"))
    return cli::kOk;
  return cli::run_verb("promotion", args, [&]() -> int {
    auto a = cli::parse_args("promotion", args, {}, {"--json"});
    if (a.positional.size() != 1)
      throw cli::ArgsError("promotion: give exactly one TAG: netraid promotion TAG");
    const auto& tag = a.positional[0];
    mirror::Context ctx(settings::load());
    // Progress lines of the gathering must not mix with the KEY=value lines.
    cli::say_on_stderr(ctx);
    const auto facts = failover::gather_service_facts(ctx, tag, /*force=*/false);
    const auto p = promotion::decide(facts.query, facts.self.priority);
    const auto role = p.standing == promotion::Standing::kPromoted ? "promoted" : "unpromoted";
    const auto reason = with_tag(p.reason, tag);
    const auto synced_at = in_sync_since(ctx, tag, facts.query.local);
    if (a.has("--json")) {
      std::printf("%s\n", nlohmann::json{{"tag", tag},
                                          {"node", ctx.settings.node_name},
                                          {"role", role},
                                          {"score", p.score},
                                          {"standing", promotion::to_string(p.standing)},
                                          {"decision", flags::to_string(p.action)},
                                          {"reason", reason},
                                          {"in_sync_since", synced_at},
                                          {"exit_code", cli::kOk}}
                              .dump()
                              .c_str());
    } else {
      std::printf("NETRAID_ROLE=%s\nNETRAID_SCORE=%d\nNETRAID_STANDING=%s\nNETRAID_IN_SYNC_SINCE=%lld\nNETRAID_REASON=%s\n",
                  role, p.score, std::string(promotion::to_string(p.standing)).c_str(), synced_at, reason.c_str());
    }
    return cli::kOk;
  });
}

}  // namespace

NETRAID_VERB("promotion", kFailover, "the promotion score of this system's copy for a cluster manager (Pacemaker)",
             run_promotion);
