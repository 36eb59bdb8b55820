// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/names.hpp"

using namespace netraid::flags;

TEST_CASE("names: valid tags and node names") {
  for (const auto* tag : {"datarep-ext3", "r0", "Mirror_1.a", "7"}) {
    CAPTURE(tag);
    CHECK_FALSE(tag_problem(tag).has_value());
  }
  CHECK_FALSE(tag_problem(std::string(31, 'a')).has_value());  // the most md's superblock name holds
  CHECK_FALSE(node_name_problem("n1.example.com").has_value());
}

TEST_CASE("names: errors-each bad tag gets a one-line reason") {
  CHECK(tag_problem("")->find("empty") != std::string::npos);
  CHECK(tag_problem(std::string(32, 'a'))->find("32 characters long, longer than 31") != std::string::npos);
  CHECK(tag_problem("-x")->find("start with a letter or digit") != std::string::npos);
  CHECK(tag_problem(".hidden")->find("start with") != std::string::npos);
  CHECK(tag_problem("a/b")->find("contains '/'") != std::string::npos);
  CHECK(tag_problem("a b")->find("contains ' '") != std::string::npos);
  CHECK(tag_problem("a\nb") == "tag 'a\\nb' contains '\\n': use only letters, digits, '.', '_' and '-'");
  CHECK(node_name_problem("n1;rm").has_value());
  CHECK_THROWS_WITH_AS(require_valid_tag("../etc"), doctest::Contains("tag '../etc'"), FlagError);
  CHECK_THROWS_AS(require_valid_node_name(""), FlagError);
  CHECK_NOTHROW(require_valid_tag("datarep"));
}
