// SPDX-License-Identifier: GPL-2.0-or-later
// Which mirror tags and node names netraid accepts: the one rule that the
// CLI, the flags and the target's plugin all check. A tag names files
// (TAG.json, TAG_last_owner), the NBD export and the md array.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "netraid/common/limits.hpp"

namespace netraid::common {

// nullopt when `tag` is valid, else the one-line problem (the tag quoted):
// 1..31 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.
std::optional<std::string> tag_problem(std::string_view tag);

// Same rule for a system name (what `uname -n` gives), up to 64 characters.
std::optional<std::string> node_name_problem(std::string_view node);

}  // namespace netraid::common
