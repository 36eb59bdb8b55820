// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <algorithm>

#include <stdexcept>

#include "netraid/mirror/remote_exec.hpp"

using namespace netraid::mirror::remote;

TEST_CASE("shell quoting survives quotes, spaces and metacharacters") {
  CHECK(shell_quote("plain") == "'plain'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("a b;$(x)`y`") == "'a b;$(x)`y`'");
}

TEST_CASE("ssh: host substituted, each argument quoted for the remote shell") {
  auto argv = build_argv(ssh_transport(), "n2", {"netraid", "serve", "my tag"});
  REQUIRE(argv.size() >= 4);
  CHECK(argv[0] == "ssh");
  CHECK(std::find(argv.begin(), argv.end(), "BatchMode=yes") != argv.end());
  CHECK(std::find(argv.begin(), argv.end(), "n2") != argv.end());
  CHECK(argv[argv.size() - 3] == "'netraid'");
  CHECK(argv.back() == "'my tag'");
}

TEST_CASE("a transport without a remote shell passes arguments as they are") {
  Transport lab{{"/src/lab/netraid-lab", "exec", "{host}", "--"}, false};
  auto argv = build_argv(lab, "n2", {"netraid", "a b"});
  CHECK(argv == std::vector<std::string>{"/src/lab/netraid-lab", "exec", "n2", "--", "netraid", "a b"});
}

TEST_CASE("transport from configuration") {
  auto t = parse_transport(R"({"argv": ["lcdremexec", "-d", "{host}", "--"], "shell_quote": false})");
  CHECK(t.argv_template.size() == 4);
  CHECK_FALSE(t.remote_shell_joins_arguments);
  CHECK_THROWS_AS(parse_transport(R"({"argv": []})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_transport(R"({"program": "ssh"})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_transport("not json"), std::invalid_argument);
}
