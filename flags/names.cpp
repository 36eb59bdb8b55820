#include "netraid/flags/names.hpp"

#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::optional<std::string> name_problem(std::string_view value, std::string_view what, std::size_t max) {
  const std::string quoted = std::string(what) + " '" + std::string(value) + "'";
  if (value.empty()) return std::string(what) + " is empty: give a name such as datarep-ext3";
  if (value.size() > max)
    return quoted + " is longer than " + std::to_string(max) + " characters: use a shorter one";
  if (!alnum(value.front())) return quoted + " must start with a letter or digit";
  for (const char c : value)
    if (!alnum(c) && c != '.' && c != '_' && c != '-')
      return quoted + " contains '" + std::string(1, c) + "': use only letters, digits, '.', '_' and '-'";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> tag_problem(std::string_view tag) {
  return name_problem(tag, "tag", kMaxTagLength);
}

std::optional<std::string> node_name_problem(std::string_view node) {
  return name_problem(node, "node name", kMaxNodeNameLength);
}

void require_valid_tag(std::string_view tag) {
  if (auto problem = tag_problem(tag)) throw FlagError(*problem);
}

void require_valid_node_name(std::string_view node) {
  if (auto problem = node_name_problem(node)) throw FlagError(*problem);
}

}  // namespace netraid::flags
