// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/lkroot.hpp"

#include <cstdlib>

#include "netraid/common/defaults_file.hpp"
#include "netraid/common/file_error.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

std::string resolve_lkroot(std::optional<std::string_view> env, std::optional<std::string_view> defaults_text) {
  if (env && !env->empty()) return std::string(*env);
  if (defaults_text) {
    const auto file = common::parse_defaults_file(*defaults_text);
    // Without LKROOT no flag can be found: a value netraid cannot read is an
    // error here, not the warning it is for other keys.
    if (const auto dropped = file.dropped.find("LKROOT"); dropped != file.dropped.end())
      throw FlagError(std::string(kLifeKeeperDefaults) + " " + dropped->second +
                      ", or set LKROOT in the environment");
    if (const auto entry = file.entries.find("LKROOT"); entry != file.entries.end() && !entry->second.value.empty())
      return entry->second.value;
  }
  return std::string(kDefaultLkroot);
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
