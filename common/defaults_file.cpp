// SPDX-License-Identifier: GPL-2.0-or-later
// The parser of /etc/default/LifeKeeper (defaults_file.hpp): shell
// assignments taken as data, so reading the file never runs anything.
#include "netraid/common/defaults_file.hpp"

#include <optional>

#include "netraid/common/quote.hpp"

namespace netraid::common {

namespace {

constexpr std::string_view kBlanks = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

bool is_key(std::string_view key) {
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (key.empty() || !letter(key.front())) return false;
  for (const char c : key)
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

struct Value {
  std::string text;
  bool expands = false;  // the shell would substitute something here
};

// The text after '=': nullopt unless it is one word, then nothing or blanks
// and a comment. A value the shell would split or join (KEY=a b, KEY=a"b")
// is refused rather than read differently from the shell.
std::optional<Value> parse_value(std::string_view rest) {
  Value v;
  std::string_view tail;
  if (!rest.empty() && (rest.front() == '\'' || rest.front() == '"')) {
    const char quote = rest.front();
    const auto close = rest.find(quote, 1);
    if (close == std::string_view::npos) return std::nullopt;
    v.text = rest.substr(1, close - 1);
    v.expands = quote == '"' && v.text.find_first_of("$`") != std::string::npos;
    tail = rest.substr(close + 1);
  } else {
    const auto end = rest.find_first_of(kBlanks);
    v.text = rest.substr(0, end);
    if (v.text.find_first_of("'\"") != std::string::npos) return std::nullopt;
    v.expands = v.text.find_first_of("$`") != std::string::npos;
    tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  // '#' starts a comment only after a blank: KEY=a#b is the word a#b.
  const auto after = tail.find_first_not_of(kBlanks);
  if (after == std::string_view::npos || (after > 0 && tail[after] == '#')) return v;
  return std::nullopt;
}

}  // namespace

DefaultsFile parse_defaults_file(std::string_view text) {
  DefaultsFile file;
  unsigned number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    auto assignment = line;
    const bool exported = assignment.size() > 6 && assignment.starts_with("export") &&
                          kBlanks.find(assignment[6]) != std::string_view::npos;
    if (exported) assignment = trim(assignment.substr(6));
    const auto eq = assignment.find('=');
    const auto key = assignment.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::nullopt : parse_value(assignment.substr(eq + 1));
    const std::string at = "line " + std::to_string(number) + ": ";
    if (!value || !is_key(key)) {
      file.problems.push_back(at + quoted(line) + " is not KEY=VALUE");
      continue;
    }
    const std::string name(key);
    if (value->expands) {
      // Dropped, not kept from an earlier line: the shell's value is this one.
      file.problems.push_back(at + name + " uses shell expansion, which netraid does not do: give the value itself");
      file.entries.erase(name);
      file.dropped[name] = file.problems.back();
      continue;
    }
    file.entries[name] = {value->text, number};
    file.dropped.erase(name);
  }
  return file;
}

}  // namespace netraid::common
