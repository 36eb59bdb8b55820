// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netraid/common/verb_error.hpp"

using namespace netraid::common;

TEST_CASE("verb error: --json anywhere before -- asks for machine output") {
  const std::vector<std::string> with{"nosuch", "--json"}, without{"nosuch"}, after{"--", "--json"};
  CHECK(wants_json(with));
  CHECK_FALSE(wants_json(without));
  CHECK_FALSE(wants_json(after));
}

TEST_CASE("verb error: the JSON object carries the message and the exit code") {
  const auto text = error_json("status: no mirror nosuch on this system", 2);
  CHECK(text == "{\"error\":\"status: no mirror nosuch on this system\",\"exit_code\":2}\n");
  const auto j = nlohmann::json::parse(error_json("quotes \" and \\ and \x01 and \xff", 1));
  CHECK(j.at("exit_code") == 1);
  CHECK(j.at("error").get<std::string>().find("quotes \" and \\") == 0);
}
