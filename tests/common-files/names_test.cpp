// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/common/names.hpp"

using namespace netraid::common;

TEST_CASE("names: a tag holds at most 31 characters (md's superblock name)") {
  CHECK_FALSE(tag_problem(std::string(31, 'a')).has_value());
  CHECK(tag_problem(std::string(32, 'a')) ==
        "tag '" + std::string(32, 'a') +
            "' is 32 characters long, longer than 31 (the most an md array's name holds): use a shorter one");
  CHECK_FALSE(node_name_problem(std::string(64, 'n')).has_value());
  CHECK(node_name_problem(std::string(65, 'n')).has_value());
}

TEST_CASE("names: errors-a bad tag is quoted, so the problem stays one line") {
  CHECK(tag_problem("bad\nnetraid: forged") ==
        "tag 'bad\\nnetraid: forged' contains '\\n': use only letters, digits, '.', '_' and '-'");
  CHECK(tag_problem("") == "tag is empty: give a name such as datarep-ext3");
  CHECK(tag_problem("-x")->find("start with a letter or digit") != std::string::npos);
  CHECK(tag_problem("../etc")->find("tag '../etc' must start") != std::string::npos);
  CHECK(tag_problem("a b") == "tag 'a b' contains ' ': use only letters, digits, '.', '_' and '-'");
}
