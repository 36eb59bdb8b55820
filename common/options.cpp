// SPDX-License-Identifier: GPL-2.0-or-later
// The shared option parser (see options.hpp): one loop, so that every verb
// refuses the same mistakes with the same words.
#include "netraid/common/options.hpp"

#include "netraid/common/quote.hpp"

namespace netraid::common {

bool ParsedOptions::has(const std::string& key) const { return values.count(key) || flags.count(key); }

std::optional<std::string> ParsedOptions::value(const std::string& key) const {
  const auto it = values.find(key);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

ParsedOptions parse_options(std::span<const std::string> args, const OptionSpec& spec) {
  using Kind = OptionError::Kind;
  ParsedOptions parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") {
      parsed.positional.insert(parsed.positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                               args.end());
      break;
    }
    if (word.size() < 2 || word[0] != '-') {
      parsed.positional.push_back(word);
      continue;
    }
    const auto eq = word.find('=');
    const std::string written = word.substr(0, eq);
    const auto alias = spec.aliases.find(written);
    const std::string key = alias == spec.aliases.end() ? written : alias->second;
    const auto twice = [&] {
      return OptionError(Kind::kGivenTwice, key, "", word, "option " + key + " given twice: give it once");
    };
    if (spec.values.count(key)) {
      if (eq == std::string::npos && i + 1 >= args.size())
        throw OptionError(Kind::kNeedsValue, written, "", word, "option " + written + " needs a value");
      auto& given = parsed.values[key];
      if (!given.empty() && !spec.repeatable.count(key)) throw twice();
      given.push_back(eq == std::string::npos ? args[++i] : word.substr(eq + 1));
    } else if (spec.flags.count(key)) {
      if (eq != std::string::npos) {
        const std::string value = word.substr(eq + 1);
        throw OptionError(Kind::kTakesNoValue, written, value, word,
                          "option " + written + " takes no value: drop " + quoted("=" + value));
      }
      if (!parsed.flags.insert(key).second) throw twice();
    } else {
      throw OptionError(Kind::kUnknown, written, "", word, "unknown option " + quoted(written));
    }
  }
  return parsed;
}

}  // namespace netraid::common
