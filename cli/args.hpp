// SPDX-License-Identifier: GPL-2.0-or-later
// Small, strict argument parsing shared by the verbs, on top of
// common::parse_options: unknown options, repeated options and malformed
// numbers are errors naming the option and what to give instead.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace netraid::cli {

struct ArgsError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // --key VALUE or --key=VALUE
  std::set<std::string> flags;                // --flag
  // Every value of a repeatable option, in order (its first is in values).
  std::map<std::string, std::vector<std::string>> repeated;
  bool has(const std::string& key) const { return values.count(key) || flags.count(key); }
  std::string value_or(const std::string& key, const std::string& fallback) const;
};

// `repeatable`: value options that may be given more than once.
ParsedArgs parse_args(const std::string& verb, std::span<const std::string> args,
                      const std::set<std::string>& value_options, const std::set<std::string>& flag_options,
                      const std::set<std::string>& repeatable = {});

// A whole number in [min, max] for option `name`, else ArgsError.
std::uint64_t parse_number(const std::string& name, const std::string& text, std::uint64_t min, std::uint64_t max);

}  // namespace netraid::cli
