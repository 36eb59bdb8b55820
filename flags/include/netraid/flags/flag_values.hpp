// SPDX-License-Identifier: GPL-2.0-or-later
// The values kept in flag files, and their text forms. Parsing is strict: a
// value that does not read back exactly is a torn or foreign file, and the
// caller is told so (FlagError), never handed a default.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::flags {

// A target's sync state as the source last told it.
enum class SyncState { InSync, Resyncing, OutOfSync };

std::string_view to_string(SyncState state);        // "in_sync", "resyncing", "out_of_sync"
SyncState parse_sync_state(std::string_view text);  // one word and '\n'; throws FlagError

// Data generation ids, as DRBD's UUIDs: `current` names the data as it is
// now; `history` lists earlier generations, newest first. A source starts a
// new generation when it goes in service and when a target stops receiving
// its writes; a target takes the source's generation and history once it is
// in sync. Comparing two nodes' generations tells who is behind whom.
struct Generation {
  std::uint64_t current = 0;  // 0: none (never part of a mirror)
  std::vector<std::uint64_t> history;

  bool empty() const { return current == 0; }
  bool operator==(const Generation&) const = default;
};

inline constexpr std::size_t kGenerationHistory = 32;

// "current 1a2b3c4d5e6f7081\nhistory 0011223344556677 8899aabbccddeeff\n"
std::string format_generation(const Generation& g);
Generation parse_generation(std::string_view text);  // throws FlagError

// The generation after starting a new term with id `fresh` (non-zero and
// not seen before): the old current moves to the front of the history,
// which keeps the newest kGenerationHistory entries.
Generation start_new_generation(const Generation& g, std::uint64_t fresh);

// How `mine` relates to `theirs`.
enum class GenerationRelation {
  Same,          // same current: same data generation
  TheirsBehind,  // their current is in my history: they missed my later terms
  TheirsAhead,   // my current is in their history: I missed their later terms
  Diverged,      // both moved on from a common generation: split brain
  Unrelated,     // nothing in common (or history rolled off): cannot tell
  MineEmpty,     // I was never part of the mirror
  TheirsEmpty,   // they were never part of the mirror
};
GenerationRelation relate(const Generation& mine, const Generation& theirs);
std::string_view to_string(GenerationRelation relation);

}  // namespace netraid::flags
