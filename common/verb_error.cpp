// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/common/verb_error.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "netraid/common/quote.hpp"

namespace netraid::common {

bool wants_json(std::span<const std::string> args) {
  for (const auto& a : args) {
    if (a == "--") return false;
    if (a == "--json") return true;
  }
  return false;
}

std::string error_json(std::string_view message, int exit_code) {
  const nlohmann::json j{{"error", std::string(message)}, {"exit_code", exit_code}};
  // A message is meant to be ASCII; should a byte of another encoding slip
  // through, it is replaced rather than breaking the JSON.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void report_failure(std::string_view message, int exit_code, bool json) {
  const auto line = one_line(message);
  if (json) {
    std::fputs(error_json(line, exit_code).c_str(), stdout);
    std::fflush(stdout);
  }
  std::fprintf(stderr, "netraid: %s\n", line.c_str());
}

}  // namespace netraid::common
