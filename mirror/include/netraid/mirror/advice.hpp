// SPDX-License-Identifier: GPL-2.0-or-later
// What the operator can do about a refusal, in the words of the tools the
// operator uses: the decisions (flags/) say what is so and name the systems
// involved; this says what to run, for the audience the front end chose
// (Settings::advice_for: the netraid CLI, the LifeKeeper scripts through
// NETRAID_ADVICE_FOR=lifekeeper, the OCF agent with =pacemaker). One table,
// so every front end gives the same advice in its own words.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "netraid/flags/resync_decision.hpp"
#include "netraid/flags/service_decision.hpp"

namespace netraid::mirror {

enum class Audience { kNetraid, kLifeKeeper, kPacemaker };

// "netraid", "lifekeeper", "pacemaker"; nullopt for anything else.
std::optional<Audience> parse_audience(std::string_view text);

// After a restore or force refused with DECISION on NODE: one sentence, ""
// when there is nothing to run (the refusal's reason says what happens).
std::string service_advice(const flags::ServiceDecision& decision, const std::string& tag, const std::string& node,
                           Audience audience);

// After the resync pass on SOURCE declined to re-add TARGET (TargetAhead,
// SplitBrain); "" for any other kind.
std::string resync_advice(flags::ResyncKind kind, const std::string& tag, const std::string& source,
                          const std::string& target, Audience audience);

// After SOURCE found TAG in service on its target PEER too (a split brain).
std::string split_brain_advice(const std::string& tag, const std::string& source, const std::string& peer,
                               Audience audience);

// How to resize TAG without being asked (no terminal to confirm on):
// `netraid resize TAG --yes` or DataKeeper's `mirror_resize -f TAG`.
std::string resize_without_asking(const std::string& tag, Audience audience);

}  // namespace netraid::mirror
