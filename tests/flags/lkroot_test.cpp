// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/lkroot.hpp"

using namespace netraid::flags;

TEST_CASE("lkroot: environment, then /etc/default/LifeKeeper, then /opt/LifeKeeper") {
  CHECK(resolve_lkroot("/srv/lk", "LKROOT=/other\n") == "/srv/lk");
  CHECK(resolve_lkroot("", "LKROOT=/other\n") == "/other");
  CHECK(resolve_lkroot(std::nullopt, "# LifeKeeper\nPATH=/bin\nLKROOT=/opt/LK2\n") == "/opt/LK2");
  CHECK(resolve_lkroot(std::nullopt, "export LKROOT=\"/q/lk\"  # quoted\n") == "/q/lk");
  CHECK(resolve_lkroot(std::nullopt, "LKROOT='/a'\nLKROOT=/b\n") == "/b");  // last wins
  CHECK(resolve_lkroot(std::nullopt, "#LKROOT=/commented\n") == "/opt/LifeKeeper");
  CHECK(resolve_lkroot(std::nullopt, std::nullopt) == "/opt/LifeKeeper");
  CHECK_THROWS_WITH_AS(resolve_lkroot(std::nullopt, "LKROOT=${HOME}/lk\n"),
                       "/etc/default/LifeKeeper line 1: LKROOT uses shell expansion, which netraid does not do: "
                       "give the value itself, or set LKROOT in the environment",
                       FlagError);
  CHECK_THROWS_AS(resolve_lkroot(std::nullopt, "LKROOT=/a\nLKROOT=\"`cat /x`\"\n"), FlagError);  // it is the last one
  CHECK(resolve_lkroot(std::nullopt, "LKROOT=$X\nLKROOT=/b\n") == "/b");  // a later plain one wins, as in the shell
  CHECK(resolve_lkroot("/env", "LKROOT=$X\n") == "/env");
  CHECK(resolve_lkroot(std::nullopt, "garbage line\nLKROOT=/c\r\n") == "/c");  // other lines' problems are not LKROOT's
}

TEST_CASE("lkroot: the netraid flag directory under LKROOT") {
  CHECK(netraid_flag_dir("/opt/LifeKeeper") == "/opt/LifeKeeper/subsys/scsi/resources/netraid");
  CHECK(netraid_flag_dir("/opt/LifeKeeper/") == "/opt/LifeKeeper/subsys/scsi/resources/netraid");
  CHECK_THROWS_AS(netraid_flag_dir("relative"), FlagError);
}
