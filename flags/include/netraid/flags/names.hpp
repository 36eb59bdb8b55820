// SPDX-License-Identifier: GPL-2.0-or-later
// Which mirror tags and node names are acceptable. They become parts of file
// names in the flag directory, so the rule is strict; it is netraid-common's
// (one rule for the CLI, the flags and the target's plugin).
#pragma once
#include <string_view>

#include "netraid/common/names.hpp"

namespace netraid::flags {

using common::kMaxNodeNameLength;
using common::kMaxTagLength;
using common::node_name_problem;
using common::tag_problem;

// Throw FlagError with the problem.
void require_valid_tag(std::string_view tag);
void require_valid_node_name(std::string_view node);

}  // namespace netraid::flags
