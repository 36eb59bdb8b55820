// SPDX-License-Identifier: GPL-2.0-or-later
// The advice table: every refusal a front end can meet gets advice in its
// audience's words, and no audience is told another's commands.
#include <doctest/doctest.h>

#include <vector>

#include "netraid/mirror/advice.hpp"

using namespace netraid;
using flags::ServiceAction;
using mirror::Audience;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

flags::ServiceDecision refusal(ServiceAction action, std::string peer = "n1") {
  flags::ServiceDecision d;
  d.action = action;
  d.peer = std::move(peer);
  d.unreachable = {"n1"};
  return d;
}

// Refusals an operator resolves with Force Mirror Online.
const std::vector<ServiceAction> kForceable{ServiceAction::RefuseSplitBrain, ServiceAction::RefuseDataCorrupt,
                                            ServiceAction::RefuseTargetsUnreachable, ServiceAction::RefuseStale,
                                            ServiceAction::RefuseWaitForPreviousSource};
}  // namespace

TEST_CASE("advice: force is spelled as each audience runs it") {
  for (const auto action : kForceable) {
    CAPTURE(flags::to_string(action));
    const auto d = refusal(action);
    const auto cli = mirror::service_advice(d, "datarep", "n2", Audience::kNetraid);
    const auto lk = mirror::service_advice(d, "datarep", "n2", Audience::kLifeKeeper);
    const auto pcmk = mirror::service_advice(d, "datarep", "n2", Audience::kPacemaker);
    CHECK(has(cli, "`netraid force datarep --yes`"));
    CHECK(!has(cli, "mirror_action"));
    CHECK(has(lk, "`mirror_action datarep force`"));
    CHECK(!has(lk, "netraid force"));
    CHECK(has(pcmk, "crm_resource --cleanup"));
    CHECK(!has(pcmk, "mirror_action"));
  }
}

TEST_CASE("advice: every refusal but a copy that never synced says what to do, naming the system") {
  for (const auto action : {ServiceAction::RefuseInServiceElsewhere, ServiceAction::RefuseHalfSynced,
                            ServiceAction::RefusePeerNewer, ServiceAction::RefusePreviousSourceUp,
                            ServiceAction::RefuseWaitForPreviousSource, ServiceAction::RefuseStale}) {
    CAPTURE(flags::to_string(action));
    const auto text = mirror::service_advice(refusal(action), "datarep", "n2", Audience::kNetraid);
    CHECK(has(text, "n1"));
    CHECK(text.find('\n') == std::string::npos);
  }
  CHECK(mirror::service_advice(refusal(ServiceAction::RefuseStale, ""), "datarep", "n2", Audience::kNetraid).empty());
  CHECK(has(mirror::service_advice(refusal(ServiceAction::RefuseHalfSynced), "datarep", "n2", Audience::kNetraid),
            "forcing cannot help"));
  for (const auto action : {ServiceAction::AlreadyInService, ServiceAction::InServicePartialResync,
                            ServiceAction::InServiceFullResync, ServiceAction::ForceOnline})
    CHECK(mirror::service_advice(refusal(action), "datarep", "n2", Audience::kNetraid).empty());
}

TEST_CASE("advice: a target ahead or a split brain at re-add names both choices with where to run them") {
  const auto ahead = mirror::resync_advice(flags::ResyncKind::TargetAhead, "datarep", "n1", "n2", Audience::kNetraid);
  CHECK(has(ahead, "`netraid restore datarep` on n2"));
  CHECK(has(ahead, "`netraid fullresync datarep n2` on n1"));
  const auto split = mirror::resync_advice(flags::ResyncKind::SplitBrain, "datarep", "n1", "n2", Audience::kLifeKeeper);
  CHECK(has(split, "`mirror_action datarep fullresync n1 n2` on n1"));
  CHECK(has(split, "`mirror_action datarep force` on n2"));
  CHECK(mirror::resync_advice(flags::ResyncKind::Partial, "datarep", "n1", "n2", Audience::kNetraid).empty());
  const auto both = mirror::split_brain_advice("datarep", "n1", "n2", Audience::kNetraid);
  CHECK(has(both, "`netraid remove datarep` on n2, then `netraid fullresync datarep n2` on n1"));
  CHECK(has(both, "`netraid remove datarep` on n1, then `netraid fullresync datarep n1` on n2"));
}

TEST_CASE("advice: the audience names a front end may give") {
  CHECK(mirror::parse_audience("netraid") == Audience::kNetraid);
  CHECK(mirror::parse_audience("lifekeeper") == Audience::kLifeKeeper);
  CHECK(mirror::parse_audience("pacemaker") == Audience::kPacemaker);
  CHECK(!mirror::parse_audience("LifeKeeper"));
  CHECK(!mirror::parse_audience(""));
}
