// SPDX-License-Identifier: GPL-2.0-or-later
// The one option parser of every verb: each rule and each refusal's words,
// since the verbs' messages and the lab tests build on them.
#include <doctest/doctest.h>

#include <functional>

#include "netraid/common/options.hpp"

using namespace netraid::common;

namespace {
const OptionSpec kSpec{.values = {"--device", "--timeout", "--allow"},
                       .flags = {"--json", "--force"},
                       .repeatable = {"--allow"},
                       .aliases = {{"-d", "--device"}}};

ParsedOptions parse(std::vector<std::string> args) { return parse_options(args, kSpec); }

std::string error_of(std::vector<std::string> args, OptionError::Kind kind) {
  try {
    parse(std::move(args));
  } catch (const OptionError& e) {
    CHECK(e.kind == kind);
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("options: values, flags and positionals in any order") {
  const auto p = parse({"a", "--timeout", "5", "--json", "b", "--device=/dev/sdb"});
  CHECK(p.positional == std::vector<std::string>{"a", "b"});
  CHECK(p.value("--timeout") == "5");
  CHECK(p.value("--device") == "/dev/sdb");
  CHECK(p.has("--json"));
  CHECK(p.has("--timeout"));
  CHECK_FALSE(p.has("--force"));
  CHECK_FALSE(p.value("--allow"));
  CHECK(p.flags == std::set<std::string>{"--json"});
}

TEST_CASE("options: the word after a value option is its value, whatever it is, '=' may give an empty one") {
  CHECK(parse({"--timeout", "--json"}).value("--timeout") == "--json");
  CHECK(parse({"--device", "-"}).value("--device") == "-");
  CHECK(parse({"--device="}).value("--device") == "");
  CHECK(parse({"--device=a=b"}).value("--device") == "a=b");
}

TEST_CASE("options: '--' ends the options and a lone '-' is positional") {
  const auto p = parse({"--json", "--", "--force", "-x", "--"});
  CHECK(p.positional == std::vector<std::string>{"--force", "-x", "--"});
  CHECK(p.flags == std::set<std::string>{"--json"});
  CHECK(parse({"-"}).positional == std::vector<std::string>{"-"});
  CHECK(parse({""}).positional == std::vector<std::string>{""});
}

TEST_CASE("options: an alias stands for its option") {
  const auto p = parse({"-d", "/dev/sdb"});
  CHECK(p.value("--device") == "/dev/sdb");
  CHECK_FALSE(p.values.count("-d"));
  CHECK(parse({"-d=/dev/sdc"}).value("--device") == "/dev/sdc");
}

TEST_CASE("options: a repeatable option keeps every value in order") {
  const auto p = parse({"--allow", "1.2.3.4", "--allow=::1", "--allow", "10.0.0.1"});
  CHECK(p.values.at("--allow") == std::vector<std::string>{"1.2.3.4", "::1", "10.0.0.1"});
  CHECK(p.value("--allow") == "1.2.3.4");
}

TEST_CASE("options: errors-an option given twice is refused, a flag too, an alias counts as its option") {
  using K = OptionError::Kind;
  CHECK(error_of({"--timeout", "1", "--timeout", "2"}, K::kGivenTwice) == "option --timeout given twice: give it once");
  CHECK(error_of({"--timeout=1", "--timeout=1"}, K::kGivenTwice) == "option --timeout given twice: give it once");
  CHECK(error_of({"--json", "--json"}, K::kGivenTwice) == "option --json given twice: give it once");
  CHECK(error_of({"-d", "a", "--device", "b"}, K::kGivenTwice) == "option --device given twice: give it once");
}

TEST_CASE("options: errors-a missing value, a flag's value, an unknown option") {
  using K = OptionError::Kind;
  CHECK(error_of({"x", "--timeout"}, K::kNeedsValue) == "option --timeout needs a value");
  CHECK(error_of({"-d"}, K::kNeedsValue) == "option -d needs a value");
  CHECK(error_of({"--json=1"}, K::kTakesNoValue) == "option --json takes no value: drop '=1'");
  CHECK(error_of({"--json="}, K::kTakesNoValue) == "option --json takes no value: drop '='");
  CHECK(error_of({"--x"}, K::kUnknown) == "unknown option '--x'");
  CHECK(error_of({"-x"}, K::kUnknown) == "unknown option '-x'");
  CHECK(error_of({"--x=1"}, K::kUnknown) == "unknown option '--x'");
  CHECK(error_of({"--Json"}, K::kUnknown) == "unknown option '--Json'");
  CHECK(error_of({"-dx"}, K::kUnknown) == "unknown option '-dx'");
}

TEST_CASE("options: errors-the refusal names the word and stays one line") {
  try {
    parse({"a", "--bad\nforged=v"});
    FAIL("accepted");
  } catch (const OptionError& e) {
    CHECK(std::string(e.what()) == "unknown option '--bad\\nforged'");
    CHECK(e.option == "--bad\nforged");
    CHECK(e.word == "--bad\nforged=v");
  }
  try {
    parse({"--force=yes"});
    FAIL("accepted");
  } catch (const OptionError& e) {
    CHECK(e.option == "--force");
    CHECK(e.value == "yes");
    CHECK(e.word == "--force=yes");
  }
  CHECK(error_of({"--json=a\nb"}, OptionError::Kind::kTakesNoValue) == "option --json takes no value: drop '=a\\nb'");
}

TEST_CASE("options: the first refusal in argument order wins") {
  using K = OptionError::Kind;
  CHECK(error_of({"--bogus", "--json", "--json"}, K::kUnknown) == "unknown option '--bogus'");
  CHECK(error_of({"--json", "--json", "--bogus"}, K::kGivenTwice) == "option --json given twice: give it once");
}

TEST_CASE("options: an empty spec takes positionals only") {
  const std::vector<std::string> args{"a", "b"};
  CHECK(parse_options(args, {}).positional == args);
  const std::vector<std::string> opt{"a", "--json"};
  CHECK_THROWS_AS(parse_options(opt, {}), OptionError);
}
