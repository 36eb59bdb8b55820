// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/flag_values.hpp"

#include <algorithm>
#include <charconv>

#include "netraid/common/quote.hpp"
#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

namespace {

std::string hex(std::uint64_t v) {
  char buf[17];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  (void)ec;
  std::string digits(buf, end);
  return std::string(16 - digits.size(), '0') + digits;
}

std::uint64_t parse_hex_id(std::string_view word, std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v, 16);
  if (word.size() != 16 || ec != std::errc{} || end != word.data() + word.size() || v == 0)
    throw FlagError("generation " + common::quoted(text.substr(0, 80)) +
                    " is not 'current <16 hex>' / 'history <16 hex>...': torn or foreign flag file");
  return v;
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool contains(const std::vector<std::uint64_t>& ids, std::uint64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

std::string_view to_string(SyncState state) {
  switch (state) {
    case SyncState::InSync: return "in_sync";
    case SyncState::Resyncing: return "resyncing";
    case SyncState::OutOfSync: return "out_of_sync";
  }
  return "unknown";
}

SyncState parse_sync_state(std::string_view text) {
  for (const auto s : {SyncState::InSync, SyncState::Resyncing, SyncState::OutOfSync})
    if (text == std::string(to_string(s)) + "\n") return s;
  throw FlagError("sync state " + common::quoted(text.substr(0, 40)) +
                  " is not in_sync, resyncing or out_of_sync: torn or foreign flag file");
}

std::string format_generation(const Generation& g) {
  std::string out = "current " + hex(g.current) + "\nhistory";
  for (const auto id : g.history) out += " " + hex(id);
  return out + "\n";
}

Generation parse_generation(std::string_view text) {
  const auto bad = [&] {
    return FlagError("generation " + common::quoted(text.substr(0, 80)) +
                     " is not 'current <16 hex>\\nhistory ...\\n': torn or foreign flag file");
  };
  if (text.empty() || text.back() != '\n') throw bad();
  const auto nl = text.find('\n');
  const auto first = words_of(text.substr(0, nl));
  const auto rest = text.substr(nl + 1);
  const auto nl2 = rest.find('\n');
  if (nl2 != rest.size() - 1) throw bad();
  const auto second = words_of(rest.substr(0, nl2));
  if (first.size() != 2 || first[0] != "current" || second.empty() || second[0] != "history") throw bad();
  Generation g;
  g.current = parse_hex_id(first[1], text);
  for (std::size_t i = 1; i < second.size(); ++i) g.history.push_back(parse_hex_id(second[i], text));
  if (g.history.size() > kGenerationHistory) throw bad();
  return g;
}

Generation start_new_generation(const Generation& g, std::uint64_t fresh) {
  if (fresh == 0 || fresh == g.current || contains(g.history, fresh))
    throw FlagError("new generation id " + hex(fresh) + " is zero or already used: draw another random id");
  Generation next;
  next.current = fresh;
  if (!g.empty()) next.history.push_back(g.current);
  for (const auto id : g.history) {
    if (next.history.size() == kGenerationHistory) break;
    next.history.push_back(id);
  }
  return next;
}

GenerationRelation relate(const Generation& mine, const Generation& theirs) {
  if (mine.empty()) return GenerationRelation::MineEmpty;
  if (theirs.empty()) return GenerationRelation::TheirsEmpty;
  if (mine.current == theirs.current) return GenerationRelation::Same;
  if (contains(mine.history, theirs.current)) return GenerationRelation::TheirsBehind;
  if (contains(theirs.history, mine.current)) return GenerationRelation::TheirsAhead;
  for (const auto id : mine.history)
    if (contains(theirs.history, id)) return GenerationRelation::Diverged;
  return GenerationRelation::Unrelated;
}

std::string_view to_string(GenerationRelation relation) {
  switch (relation) {
    case GenerationRelation::Same: return "same";
    case GenerationRelation::TheirsBehind: return "theirs behind";
    case GenerationRelation::TheirsAhead: return "theirs ahead";
    case GenerationRelation::Diverged: return "diverged";
    case GenerationRelation::Unrelated: return "unrelated";
    case GenerationRelation::MineEmpty: return "mine empty";
    case GenerationRelation::TheirsEmpty: return "theirs empty";
  }
  return "unknown";
}

}  // namespace netraid::flags
