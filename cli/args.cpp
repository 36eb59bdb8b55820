// SPDX-License-Identifier: GPL-2.0-or-later
#include "args.hpp"

#include <charconv>

#include "netraid/common/options.hpp"
#include "netraid/common/quote.hpp"

namespace netraid::cli {

std::string ParsedArgs::value_or(const std::string& key, const std::string& fallback) const {
  auto it = values.find(key);
  return it == values.end() ? fallback : it->second;
}

ParsedArgs parse_args(const std::string& verb, std::span<const std::string> args,
                      const std::set<std::string>& value_options, const std::set<std::string>& flag_options,
                      const std::set<std::string>& repeatable) {
  common::ParsedOptions options;
  try {
    options = common::parse_options(
        args, {.values = value_options, .flags = flag_options, .repeatable = repeatable, .aliases = {}});
  } catch (const common::OptionError& e) {
    if (e.kind == common::OptionError::Kind::kUnknown)
      throw ArgsError(verb + ": unknown option " + common::quoted(e.word) + ": see 'netraid " + verb + " --help'");
    throw ArgsError(verb + ": " + e.what());
  }
  ParsedArgs parsed{std::move(options.positional), {}, std::move(options.flags), {}};
  for (auto& [key, given] : options.values) {
    parsed.values[key] = given.front();
    if (repeatable.count(key)) parsed.repeated[key] = std::move(given);
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
