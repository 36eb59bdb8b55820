// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/names.hpp"

#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

void require_valid_tag(std::string_view tag) {
  if (auto problem = tag_problem(tag)) throw FlagError(*problem);
}

void require_valid_node_name(std::string_view node) {
  if (auto problem = node_name_problem(node)) throw FlagError(*problem);
}

}  // namespace netraid::flags
