// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/common/first_line.hpp"

using netraid::common::first_line;

TEST_CASE("first_line keeps the first non-empty line without surrounding blanks") {
  CHECK(first_line("") == "");
  CHECK(first_line("\n\n  \n") == "");
  CHECK(first_line("mdadm: boom\nmore\n") == "mdadm: boom");
  CHECK(first_line("\n  mdadm: boom  \r\nmore") == "mdadm: boom");
  CHECK(first_line("only") == "only");
}
