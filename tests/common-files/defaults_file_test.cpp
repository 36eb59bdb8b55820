// SPDX-License-Identifier: GPL-2.0-or-later
// The /etc/default/LifeKeeper parser against the odd files administrators
// write: it must read what a shell would assign, or say which line it skipped.
#include <doctest/doctest.h>

#include "netraid/common/defaults_file.hpp"

using namespace netraid::common;

namespace {

std::string value_of(const DefaultsFile& f, const std::string& key) {
  const auto it = f.entries.find(key);
  return it == f.entries.end() ? "<absent>" : it->second.value;
}

}  // namespace

TEST_CASE("defaults file: plain assignments, blank lines and comments") {
  const auto f = parse_defaults_file(
      "# LifeKeeper defaults\n\nLKROOT=/opt/LifeKeeper\n   \n  # indented comment\nLKDR_CHUNK_SIZE=256\n");
  CHECK(f.problems.empty());
  CHECK(f.entries.size() == 2);
  CHECK(value_of(f, "LKROOT") == "/opt/LifeKeeper");
  CHECK(f.entries.at("LKROOT").line == 3);
  CHECK(value_of(f, "LKDR_CHUNK_SIZE") == "256");
  CHECK(f.entries.at("LKDR_CHUNK_SIZE").line == 6);
  CHECK(parse_defaults_file("").entries.empty());
  CHECK(value_of(parse_defaults_file("A=1"), "A") == "1");  // no final newline
}

TEST_CASE("defaults file: quotes are removed, a quoted value keeps its spaces and #") {
  const auto f = parse_defaults_file(
      "A='single quoted'\nB=\"double # not a comment\"\nC=''\nD=\"x\"  # a comment\nE='$HOME `x`'\nF=\n");
  CHECK(f.problems.empty());
  CHECK(value_of(f, "A") == "single quoted");
  CHECK(value_of(f, "B") == "double # not a comment");
  CHECK(value_of(f, "C") == "");
  CHECK(value_of(f, "D") == "x");
  CHECK(value_of(f, "E") == "$HOME `x`");  // single quotes: literal, as in the shell
  CHECK(value_of(f, "F") == "");
}

TEST_CASE("defaults file: blanks around a line, a trailing comment, CRLF") {
  const auto f = parse_defaults_file("  \tA=1  \r\nB=2 # two\r\nC=3\t# three\r\nD=a#b\r\nE= # empty\r\n");
  CHECK(f.problems.empty());
  CHECK(value_of(f, "A") == "1");
  CHECK(value_of(f, "B") == "2");
  CHECK(value_of(f, "C") == "3");
  CHECK(value_of(f, "D") == "a#b");  // '#' starts a comment only after a blank
  CHECK(value_of(f, "E") == "");
  CHECK(f.entries.at("E").line == 5);
}

TEST_CASE("defaults file: the last assignment wins, unknown keys are kept") {
  const auto f = parse_defaults_file("LKCHECKINTERVAL=120\nSOME_OTHER_KIT_TUNABLE=x\nLKCHECKINTERVAL='30'\n");
  CHECK(value_of(f, "LKCHECKINTERVAL") == "30");
  CHECK(f.entries.at("LKCHECKINTERVAL").line == 3);
  CHECK(value_of(f, "SOME_OTHER_KIT_TUNABLE") == "x");
}

TEST_CASE("defaults file: the export prefix") {
  const auto f = parse_defaults_file("export LKROOT=/srv/lk\nexport\tB=\"2\"\nexporter=3\nexport\n");
  CHECK(value_of(f, "LKROOT") == "/srv/lk");
  CHECK(value_of(f, "B") == "2");
  CHECK(value_of(f, "exporter") == "3");  // a key that merely starts with "export"
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0] == "line 4: 'export' is not KEY=VALUE");
}

TEST_CASE("defaults file: lines that are not KEY=VALUE are reported and skipped") {
  const auto f = parse_defaults_file(
      "just words\nA = 1\n1A=x\nB=two words\nC='unterminated\nD=x\"y\"\nE=\"a\"b\n. /etc/profile\nOK=1\nbad\x1b[2J\n");
  CHECK(f.entries.size() == 1);
  CHECK(value_of(f, "OK") == "1");
  REQUIRE(f.problems.size() == 9);
  CHECK(f.problems[0] == "line 1: 'just words' is not KEY=VALUE");
  CHECK(f.problems[1] == "line 2: 'A = 1' is not KEY=VALUE");
  CHECK(f.problems[2] == "line 3: '1A=x' is not KEY=VALUE");
  CHECK(f.problems[3] == "line 4: 'B=two words' is not KEY=VALUE");
  CHECK(f.problems[4] == "line 5: 'C=\\'unterminated' is not KEY=VALUE");
  CHECK(f.problems[5] == "line 6: 'D=x\"y\"' is not KEY=VALUE");
  CHECK(f.problems[6] == "line 7: 'E=\"a\"b' is not KEY=VALUE");
  CHECK(f.problems[7] == "line 8: '. /etc/profile' is not KEY=VALUE");
  CHECK(f.problems[8] == "line 10: 'bad\\x1b[2J' is not KEY=VALUE");  // echoed safely
}

TEST_CASE("defaults file: shell expansion is reported and drops the key") {
  const auto f = parse_defaults_file("A=1\nA=$HOME\nB=\"${X}/y\"\nC=`hostname`\nD=/d\nD=\"$(id)\"\nD=/last\n");
  CHECK(f.entries.count("A") == 0);  // not the earlier 1: the shell would assign $HOME
  CHECK(f.entries.count("B") == 0);
  CHECK(f.entries.count("C") == 0);
  CHECK(value_of(f, "D") == "/last");  // a later plain assignment wins again
  REQUIRE(f.problems.size() == 4);
  CHECK(f.problems[0] == "line 2: A uses shell expansion, which netraid does not do: give the value itself");
  CHECK(f.problems[1] == "line 3: B uses shell expansion, which netraid does not do: give the value itself");
  CHECK(f.problems[2] == "line 4: C uses shell expansion, which netraid does not do: give the value itself");
  CHECK(f.problems[3] == "line 6: D uses shell expansion, which netraid does not do: give the value itself");
  CHECK(f.dropped.size() == 3);
  CHECK(f.dropped.at("A") == f.problems[0]);
  CHECK(f.dropped.count("D") == 0);
}

TEST_CASE("defaults file: odd files: tabs, a duplicate gone bad, a byte-order mark, comments only") {
  // Tabs are blanks like spaces: around the line and before a comment.
  const auto tabs = parse_defaults_file("\tLKDR_SPEED_LIMIT=5000\t# tabbed\t\n");
  CHECK(tabs.problems.empty());
  CHECK(value_of(tabs, "LKDR_SPEED_LIMIT") == "5000");
  // A later line of the same key that is not an assignment is reported and
  // skipped: the earlier value stays (the shell would not assign it either).
  const auto dup = parse_defaults_file("LKCHECKINTERVAL=30\nLKCHECKINTERVAL=3 0\n");
  CHECK(value_of(dup, "LKCHECKINTERVAL") == "30");
  CHECK(dup.entries.at("LKCHECKINTERVAL").line == 1);
  REQUIRE(dup.problems.size() == 1);
  CHECK(dup.problems[0] == "line 2: 'LKCHECKINTERVAL=3 0' is not KEY=VALUE");
  // A UTF-8 byte-order mark (a file saved by some editors) makes the first
  // line no assignment: reported, never read as a key with odd bytes in it.
  const auto bom = parse_defaults_file("\xEF\xBB\xBFLKDR_CHUNK_SIZE=128\nLKDR_NO_FULL_SYNC=1\n");
  CHECK(bom.entries.size() == 1);
  CHECK(value_of(bom, "LKDR_NO_FULL_SYNC") == "1");
  REQUIRE(bom.problems.size() == 1);
  CHECK(bom.problems[0].rfind("line 1: ", 0) == 0);
  CHECK(bom.problems[0].find("is not KEY=VALUE") != std::string::npos);
  // Comments and blank lines only: nothing, and nothing to report.
  const auto comments = parse_defaults_file("# LifeKeeper defaults\n\n   # LKDR_CHUNK_SIZE=64\n\t\n");
  CHECK(comments.entries.empty());
  CHECK(comments.problems.empty());
}
