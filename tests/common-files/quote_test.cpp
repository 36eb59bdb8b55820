// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/common/quote.hpp"

using namespace netraid::common;

TEST_CASE("quote: printable input is echoed as it is") {
  CHECK(quoted("datarep") == "'datarep'");
  CHECK(printable("/dev/sdb1") == "/dev/sdb1");
  CHECK(quoted("") == "''");
}

TEST_CASE("quote: a newline cannot start a second line, control bytes and non-ASCII are escaped") {
  CHECK(quoted("x\nnetraid: forged") == "'x\\nnetraid: forged'");
  CHECK(quoted("a\r\tb") == "'a\\r\\tb'");
  CHECK(quoted(std::string("a\0b", 3)) == "'a\\x00b'");
  CHECK(quoted("\x1b[2J") == "'\\x1b[2J'");
  CHECK(quoted("\xc3\xa9") == "'\\xc3\\xa9'");
  CHECK(quoted("it's") == "'it\\'s'");
  CHECK(quoted("a\\nb") == "'a\\\\nb'");  // a backslash the user typed stays distinguishable
  CHECK(printable("it's\n") == "it's\\n");
}

TEST_CASE("quote: a long input is cut") {
  const auto q = quoted(std::string(1000, 'a'));
  CHECK(q == "'" + std::string(kMaxEchoedBytes, 'a') + "...'");
}

TEST_CASE("quote: one_line escapes control characters only, so a quoted part reads the same") {
  CHECK(one_line("tag 'a\\nb' is bad") == "tag 'a\\nb' is bad");
  CHECK(one_line("first\nsecond") == "first\\nsecond");
  CHECK(one_line("\xc3\xa9t\xc3\xa9") == "\xc3\xa9t\xc3\xa9");
  CHECK(one_line(std::string(1000, 'a')).size() == 1000);
}
