// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/common/names.hpp"

#include "netraid/common/quote.hpp"

namespace netraid::common {

namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::optional<std::string> name_problem(std::string_view value, std::string_view what, std::size_t max,
                                        std::string_view why_max) {
  const std::string named = std::string(what) + " " + quoted(value);
  if (value.empty()) return std::string(what) + " is empty: give a name such as datarep-ext3";
  if (value.size() > max)
    return named + " is " + std::to_string(value.size()) + " characters long, longer than " + std::to_string(max) +
           std::string(why_max) + ": use a shorter one";
  const std::string allowed = ": use only letters, digits, '.', '_' and '-'";
  if (!alnum(value.front())) return named + " must start with a letter or digit" + allowed + ", e.g. datarep";
  for (const char c : value)
    if (!alnum(c) && c != '.' && c != '_' && c != '-')
      return named + " contains " + quoted(std::string_view(&c, 1)) + allowed;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> tag_problem(std::string_view tag) {
  return name_problem(tag, "tag", kMaxTagLength, " (the most an md array's name holds)");
}

std::optional<std::string> node_name_problem(std::string_view node) {
  return name_problem(node, "node name", kMaxNodeNameLength, "");
}

}  // namespace netraid::common
