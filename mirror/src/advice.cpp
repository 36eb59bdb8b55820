// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/advice.hpp"

namespace netraid::mirror {

namespace {

using flags::ServiceAction;

// The few actions advice names, in each audience's words.
struct Words {
  Audience audience;
  std::string tag;

  std::string force() const {
    switch (audience) {
      case Audience::kLifeKeeper: return "`mirror_action " + tag + " force`";
      case Audience::kPacemaker: return "`netraid force " + tag + " --yes`, then `crm_resource --cleanup`";
      case Audience::kNetraid: break;
    }
    return "`netraid force " + tag + " --yes`";
  }
  // Run on SOURCE (DataKeeper's syntax names it: mirror_action TAG ACTION SOURCE TARGET...).
  std::string fullresync(const std::string& source, const std::string& target) const {
    if (audience == Audience::kLifeKeeper) return "`mirror_action " + tag + " fullresync " + source + " " + target + "`";
    return "`netraid fullresync " + tag + " " + target + "`";
  }
  std::string resync() const {
    if (audience == Audience::kLifeKeeper) return "`mirror_action " + tag + " resume`";
    return "`netraid resync " + tag + "`";
  }
  // Bring TAG in service on a system / take it out there.
  std::string in_service() const {
    switch (audience) {
      case Audience::kLifeKeeper: return "bring " + tag + " in service (LifeKeeper restore)";
      case Audience::kPacemaker: return "promote " + tag + " (`crm_resource --move`)";
      case Audience::kNetraid: break;
    }
    return "`netraid restore " + tag + "`";
  }
  std::string out_of_service() const {
    switch (audience) {
      case Audience::kLifeKeeper: return "take " + tag + " out of service (LifeKeeper remove)";
      case Audience::kPacemaker: return "stop " + tag + " (`crm_resource --ban`)";
      case Audience::kNetraid: break;
    }
    return "`netraid remove " + tag + "`";
  }
};

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

std::optional<Audience> parse_audience(std::string_view text) {
  if (text == "netraid") return Audience::kNetraid;
  if (text == "lifekeeper") return Audience::kLifeKeeper;
  if (text == "pacemaker") return Audience::kPacemaker;
  return std::nullopt;
}

std::string service_advice(const flags::ServiceDecision& d, const std::string& tag, const std::string& node,
                           Audience audience) {
  const Words w{audience, tag};
  const std::string peer = d.peer.empty() ? "the previous source" : d.peer;
  switch (d.action) {
    case ServiceAction::RefuseInServiceElsewhere:
      return "to move the service, " + w.out_of_service() + " on " + peer + " first; " + w.resync() + " on " + peer +
             " reconnects " + node + " now";
    case ServiceAction::RefuseNoLocalData:
      return "extend the mirror to " + node + " again from its source";
    case ServiceAction::RefuseHalfSynced:
      return "bring " + peer + " back so the resync finishes (forcing cannot help here)";
    case ServiceAction::RefusePeerNewer:
      return w.in_service() + " on " + peer + "; " + w.resync() + " there resyncs " + node;
    case ServiceAction::RefuseSplitBrain:
      return "choose the copy to keep and " + w.force() + " on that system; the other is then resynced in full";
    case ServiceAction::RefuseDataCorrupt:
      if (!d.peer.empty()) return "forcing is safe: " + w.force();
      return "bring " + (d.unreachable.empty() ? std::string("a target") : joined(d.unreachable)) +
             " back, or check " + tag + "_last_owner on every system and " + w.force() + " on the right one";
    case ServiceAction::RefuseTargetsUnreachable:
      return "bring " + joined(d.unreachable) + " back, or " + w.force() + " to accept losing any writes made there";
    case ServiceAction::RefuseStale:
      if (d.peer.empty()) return "";  // never in sync: nothing makes it a copy but a resync from a source
      return "bring " + peer + " back, or " + w.force() + " to accept losing the writes it missed";
    case ServiceAction::RefusePreviousSourceUp:
      return w.in_service() + " on " + peer + " instead";
    case ServiceAction::RefuseWaitForPreviousSource:
      return "bring " + peer + " back, or " + w.force() + " to accept losing writes only it holds";
    case ServiceAction::AlreadyInService:
    case ServiceAction::InServicePartialResync:
    case ServiceAction::InServiceFullResync:
    case ServiceAction::ForceOnline:
      break;
  }
  return "";
}

std::string resync_advice(flags::ResyncKind kind, const std::string& tag, const std::string& source,
                          const std::string& target, Audience audience) {
  const Words w{audience, tag};
  switch (kind) {
    case flags::ResyncKind::TargetAhead:
      return w.in_service() + " on " + target + " instead, or " + w.fullresync(source, target) + " on " + source +
             " to discard its writes";
    case flags::ResyncKind::SplitBrain:
      return "choose: keep " + source + "'s data (" + w.fullresync(source, target) + " on " + source + " discards " + target +
             "'s writes), or " + w.out_of_service() + " on " + source + " and " + w.force() + " on " + target;
    case flags::ResyncKind::Partial:
    case flags::ResyncKind::Full:
      break;
  }
  return "";
}

std::string split_brain_advice(const std::string& tag, const std::string& source, const std::string& peer,
                               Audience audience) {
  const Words w{audience, tag};
  const auto keep = [&](const std::string& keeper, const std::string& loser) {
    return "keep " + keeper + "'s data: " + w.out_of_service() + " on " + loser + ", then " + w.fullresync(keeper, loser) +
           " on " + keeper;
  };
  return "look at both copies, then either " + keep(source, peer) + ", or " + keep(peer, source);
}

std::string resize_without_asking(const std::string& tag, Audience audience) {
  if (audience == Audience::kLifeKeeper) return "`mirror_resize -f " + tag + "`";
  return "`netraid resize " + tag + " --yes`";
}

}  // namespace netraid::mirror
