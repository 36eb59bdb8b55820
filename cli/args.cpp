// SPDX-License-Identifier: GPL-2.0-or-later
#include "args.hpp"

#include <charconv>

#include "netraid/common/quote.hpp"

namespace netraid::cli {

std::string ParsedArgs::value_or(const std::string& key, const std::string& fallback) const {
  auto it = values.find(key);
  return it == values.end() ? fallback : it->second;
}

ParsedArgs parse_args(const std::string& verb, std::span<const std::string> args,
                      const std::set<std::string>& value_options, const std::set<std::string>& flag_options) {
  ParsedArgs parsed;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      parsed.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    std::string key = a;
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      key = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    if (value_options.count(key)) {
      if (inline_value) {
        parsed.values[key] = *inline_value;
      } else if (i + 1 < args.size()) {
        parsed.values[key] = args[++i];
      } else {
        throw ArgsError(verb + ": option " + key + " needs a value");
      }
    } else if (flag_options.count(key) && !inline_value) {
      parsed.flags.insert(key);
    } else {
      throw ArgsError(verb + ": unknown option " + common::quoted(a) + ": see 'netraid " + verb + " --help'");
    }
  }
  return parsed;
}

std::uint64_t parse_number(const std::string& name, const std::string& text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    throw ArgsError(name + " " + common::quoted(text) + " is not a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max));
  return value;
}

}  // namespace netraid::cli
