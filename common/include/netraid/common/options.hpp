// SPDX-License-Identifier: GPL-2.0-or-later
// The one option parser of every netraid verb. Each verb used to parse its
// words its own way, and some silently let a repeated option overwrite the
// first; here every verb gets the same rules, so `--timeout 1 --timeout 2`
// is refused everywhere. Messages are one line without the verb's name: the
// caller prefixes it and adds where to look for help.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace netraid::common {

struct OptionSpec {
  std::set<std::string> values;                // --key VALUE or --key=VALUE
  std::set<std::string> flags;                 // --flag, never with a value
  std::set<std::string> repeatable;            // value options that may be given several times
  std::map<std::string, std::string> aliases;  // another spelling -> its option, e.g. "-d" -> "--device"
};

struct ParsedOptions {
  std::vector<std::string> positional;                     // in the order given
  std::map<std::string, std::vector<std::string>> values;  // by option (alias resolved), in the order given
  std::set<std::string> flags;
  bool has(const std::string& key) const;
  // The first (for a non-repeatable option, the only) value, if given.
  std::optional<std::string> value(const std::string& key) const;
};

struct OptionError : std::invalid_argument {
  enum class Kind { kUnknown, kNeedsValue, kTakesNoValue, kGivenTwice };
  OptionError(Kind k, std::string opt, std::string val, std::string w, const std::string& message)
      : std::invalid_argument(message), kind(k), option(std::move(opt)), value(std::move(val)), word(std::move(w)) {}
  Kind kind;
  std::string option;  // as written, before any '='; kGivenTwice: the option the alias names
  std::string value;   // kTakesNoValue: the text after '='
  std::string word;    // the whole argument that was refused
};

// Rules: "--" ends the options (every later word is positional); a lone "-"
// and any word not starting with '-' is positional; --key=value and
// --key value (the next word, whatever it is); a flag given "=V", a value
// option without a value, an unknown word starting with '-', or a
// non-repeatable option or flag given twice throw OptionError:
//   "unknown option '--x'", "option --timeout needs a value",
//   "option --json takes no value: drop '=1'",
//   "option --timeout given twice: give it once".
ParsedOptions parse_options(std::span<const std::string> args, const OptionSpec& spec);

}  // namespace netraid::common
