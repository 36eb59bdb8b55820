// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/flag_values.hpp"
#include "netraid/flags/generation_id.hpp"

using namespace netraid::flags;

TEST_CASE("values: sync state text round-trips and rejects torn text") {
  for (const auto s : {SyncState::InSync, SyncState::Resyncing, SyncState::OutOfSync})
    CHECK(parse_sync_state(std::string(to_string(s)) + "\n") == s);
  CHECK_THROWS_AS(parse_sync_state("in_sync"), FlagError);  // no newline: torn
  CHECK_THROWS_AS(parse_sync_state("in_sy"), FlagError);
  CHECK_THROWS_AS(parse_sync_state(""), FlagError);
  CHECK_THROWS_WITH(parse_sync_state("insync\n"), doctest::Contains("torn or foreign"));
}

TEST_CASE("values: generation text round-trips") {
  const Generation g{0x1a2b3c4d5e6f7081ull, {0x11ull, 0xffffffffffffffffull}};
  const auto text = format_generation(g);
  CHECK(text == "current 1a2b3c4d5e6f7081\nhistory 0000000000000011 ffffffffffffffff\n");
  CHECK(parse_generation(text) == g);
  const Generation fresh{0x42, {}};
  CHECK(format_generation(fresh) == "current 0000000000000042\nhistory\n");
  CHECK(parse_generation(format_generation(fresh)) == fresh);
}

TEST_CASE("values: errors-torn or foreign generation files") {
  CHECK_THROWS_AS(parse_generation(""), FlagError);
  CHECK_THROWS_AS(parse_generation("current 1a2b3c4d5e6f7081\n"), FlagError);            // cut
  CHECK_THROWS_AS(parse_generation("current 1a2b3c4d5e6f7081\nhistory 00000000"), FlagError);
  CHECK_THROWS_AS(parse_generation("current 1a2b3c4d5e6f70\nhistory\n"), FlagError);     // short id
  CHECK_THROWS_AS(parse_generation("current 0000000000000000\nhistory\n"), FlagError);   // zero id
  CHECK_THROWS_AS(parse_generation("current xyz0000000000000\nhistory\n"), FlagError);
  CHECK_THROWS_AS(parse_generation("history\ncurrent 1a2b3c4d5e6f7081\n"), FlagError);
  CHECK_THROWS_AS(parse_generation("current 1a2b3c4d5e6f7081\nhistory\nextra\n"), FlagError);
}

TEST_CASE("values: a new term pushes the old current onto a bounded history") {
  const auto g1 = start_new_generation({}, 1);
  CHECK(g1 == Generation{1, {}});
  const auto g2 = start_new_generation(g1, 2);
  CHECK(g2 == Generation{2, {1}});
  const auto g3 = start_new_generation(g2, 3);
  CHECK(g3 == Generation{3, {2, 1}});
  Generation g = g3;
  for (std::uint64_t id = 4; id < 4 + 2 * kGenerationHistory; ++id) g = start_new_generation(g, id);
  CHECK(g.history.size() == kGenerationHistory);
  CHECK(g.history.front() == g.current - 1);
  CHECK_THROWS_AS(start_new_generation(g3, 0), FlagError);
  CHECK_THROWS_AS(start_new_generation(g3, 2), FlagError);  // reused id
}

TEST_CASE("values: relating two generations") {
  const Generation a1{1, {}};
  const Generation b2{2, {1}};       // took over from 1
  const Generation a3{3, {1}};       // also moved on from 1
  const Generation c9{9, {8}};
  CHECK(relate(a1, a1) == GenerationRelation::Same);
  CHECK(relate(b2, a1) == GenerationRelation::TheirsBehind);
  CHECK(relate(a1, b2) == GenerationRelation::TheirsAhead);
  CHECK(relate(b2, a3) == GenerationRelation::Diverged);
  CHECK(relate(b2, c9) == GenerationRelation::Unrelated);
  CHECK(relate({}, a1) == GenerationRelation::MineEmpty);
  CHECK(relate(a1, {}) == GenerationRelation::TheirsEmpty);
}

TEST_CASE("values: fresh generation ids are non-zero and differ") {
  const auto a = new_generation_id();
  const auto b = new_generation_id();
  CHECK(a != 0);
  CHECK(b != 0);
  CHECK(a != b);
  CHECK(start_new_generation(Generation{a, {}}, b) == Generation{b, {a}});
}
