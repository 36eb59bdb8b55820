// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/lkroot.hpp"

#include <cstdlib>

#include "netraid/common/file_error.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string unquote(std::string_view value, std::string_view line) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  if (value.find('$') != std::string_view::npos || value.find('`') != std::string_view::npos)
    throw FlagError(std::string(kLifeKeeperDefaults) + ": " + common::quoted(line) +
                    " uses shell expansion: set LKROOT in the environment instead");
  return std::string(value);
}

}  // namespace

std::string resolve_lkroot(std::optional<std::string_view> env, std::optional<std::string_view> defaults_text) {
  if (env && !env->empty()) return std::string(*env);
  std::string found;
  if (defaults_text) {
    std::string_view text = *defaults_text;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      auto line = trim(text.substr(0, nl));
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
      if (line.substr(0, 7) != "LKROOT=") continue;
      auto value = line.substr(7);
      // Drop a trailing comment after whitespace: LKROOT=/opt/LifeKeeper  # x
      if (const auto hash = value.find(" #"); hash != std::string_view::npos) value = trim(value.substr(0, hash));
      found = unquote(value, line);
    }
  }
  return found.empty() ? std::string(kDefaultLkroot) : found;
}

std::string netraid_flag_dir(std::string_view lkroot) {
  std::string root(lkroot);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty() || root.front() != '/')
    throw FlagError("LKROOT " + common::quoted(lkroot) + " is not an absolute path: fix LKROOT");
  return root + "/subsys/scsi/resources/netraid";
}

std::string flag_dir_from_system() {
  const char* env = std::getenv("LKROOT");
  std::optional<std::string> defaults;
  try {
    defaults = common::read_small_file(std::string(kLifeKeeperDefaults), "LifeKeeper defaults");
  } catch (const common::FileError& e) {
    throw FlagError(e.what());
  }
  return netraid_flag_dir(resolve_lkroot(env ? std::optional<std::string_view>(env) : std::nullopt,
                                         defaults ? std::optional<std::string_view>(*defaults) : std::nullopt));
}

}  // namespace netraid::flags
