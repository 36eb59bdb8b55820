// SPDX-License-Identifier: GPL-2.0-or-later
// Which mirror tags and node names netraid accepts: the one rule that the
// CLI, the flags and the target's plugin all check. A tag names files
// (TAG.json, TAG_last_owner), the NBD export and the md array.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace netraid::common {

// md keeps an array's name in the 32-byte set_name of its v1 superblock, NUL
// padded: mdadm --create --name stores at most 31 characters and cuts a
// longer name without a word (its own check lets 32 through). Lab-checked
// with mdadm 4.2 on Linux 6.1 (tests/lab/failover-bad-inputs.sh).
inline constexpr std::size_t kMaxTagLength = 31;
inline constexpr std::size_t kMaxNodeNameLength = 64;

// nullopt when `tag` is valid, else the one-line problem (the tag quoted):
// 1..31 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.
std::optional<std::string> tag_problem(std::string_view tag);

// Same rule for a system name (what `uname -n` gives), up to 64 characters.
std::optional<std::string> node_name_problem(std::string_view node);

}  // namespace netraid::common
