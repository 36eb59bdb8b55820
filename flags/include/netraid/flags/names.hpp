// Which mirror tags and node names are acceptable. They become parts of file
// names in the flag directory, so the rule is strict.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace netraid::flags {

inline constexpr std::size_t kMaxTagLength = 64;
inline constexpr std::size_t kMaxNodeNameLength = 64;

// nullopt when `tag` is valid, else the one-line problem: 1..64 characters
// of A-Z a-z 0-9 . _ -, starting with a letter or digit.
std::optional<std::string> tag_problem(std::string_view tag);

// Same rule for a system name (what `uname -n` gives).
std::optional<std::string> node_name_problem(std::string_view node);

// Throw FlagError with the problem.
void require_valid_tag(std::string_view tag);
void require_valid_node_name(std::string_view node);

}  // namespace netraid::flags
