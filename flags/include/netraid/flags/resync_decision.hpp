// SPDX-License-Identifier: GPL-2.0-or-later
// How a returning target is brought back in sync with the source that is in
// service: copy only what the bitmap marks, copy everything, or copy nothing
// because doing so would destroy data (split brain, wrong direction). Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "netraid/flags/flag_values.hpp"

namespace netraid::flags {

struct ResyncQuery {
  // The source (in service).
  Generation source_generation;
  std::string source_array_uuid;          // md superblock set_uuid
  bool source_bitmap_usable = true;       // internal bitmap present, not stale
  std::uint64_t source_bitmap_events_cleared = 0;
  // The returning target, read through its NBD device and its flags.
  bool target_has_superblock = false;     // false: blank or replaced disk
  std::string target_array_uuid;
  std::uint64_t target_events = 0;        // its superblock's event count
  Generation target_generation;
  std::optional<SyncState> target_sync_state;
  // The target was itself a source during or after the generation it holds
  // (its TAG_source names itself, or it has TAG_last_owner): it may carry
  // writes nobody else saw (a returning old source, Scenario 1). A plain
  // target that only missed writes holds nothing of its own: the source's
  // bitmap already marks what it missed, so its bitmap need not be merged
  // (which only copies more, possibly far more when its copy of the bitmap
  // was written before md cleared the bits).
  bool target_was_source = true;
  // The target's copy was released to its own system while replication was
  // paused (readable there) and was written meanwhile, or whether it was
  // cannot be told (it rebooted, it is still in use): the source's bitmap
  // does not cover writes made there, so only a full resync makes the legs
  // equal again.
  bool target_exposed = false;
};

enum class ResyncKind {
  Partial,      // re-add: md copies the chunks the (merged) bitmap marks
  Full,         // add as a new member: md copies everything
  TargetAhead,  // the target holds newer data than the source: refuse
  SplitBrain,   // both wrote after they parted: refuse, operator decides
};

struct ResyncPlan {
  ResyncKind kind = ResyncKind::Full;
  // Before a partial resync: read the target's own dirty chunks and write
  // them to the source's bitmap_set_bits, so chunks only the target wrote
  // (a returning old source) are copied back over too.
  bool merge_target_bitmap = false;
  std::string reason;
};

ResyncPlan decide_resync(const ResyncQuery& q);
// Whether a target must be told "resyncing" before md starts copying onto
// it. A target whose own flags already say out_of_sync or resyncing refuses
// to take over either way, so telling it can wait until the copy runs (one
// round trip less before the resync starts); one that may believe it is in
// sync (or cannot be read) must know before its data starts to change.
bool tell_resyncing_before_copy(std::optional<SyncState> target_sync_state);
// The target answers that it has TAG in service itself (it took over while
// it could not see this source): both copies may hold writes the other never
// saw, whatever their generations say, so nothing is resynced either way.
// Always SplitBrain; the reason names the peer and how the generations
// relate (the operator's two choices are the front end's advice).
ResyncPlan decide_peer_in_service(const Generation& self_generation, const std::string& peer,
                                  const Generation& peer_generation);
std::string_view to_string(ResyncKind kind);

}  // namespace netraid::flags
