// SPDX-License-Identifier: GPL-2.0-or-later
// /etc/default/LifeKeeper read as data. DataKeeper administrators set their
// tunables there in shell syntax; netraid never sources it (that would run
// whatever the file holds), so it takes the plain assignments a shell would
// make and reports every line it cannot take that way instead of guessing.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::common {

struct DefaultsEntry {
  std::string value;
  unsigned line = 0;  // 1-based, for messages that send the reader to it
};

struct DefaultsFile {
  std::map<std::string, DefaultsEntry> entries;  // every key, known to netraid or not
  // One line each, in file order: "line 4: 'x y' is not KEY=VALUE".
  std::vector<std::string> problems;
  // Keys whose last assignment used shell expansion: not in entries, here
  // with that line's problem, so a caller that must have the key can refuse.
  std::map<std::string, std::string> dropped;
};

// Pure. A line is KEY=VALUE (KEY = [A-Za-z_][A-Za-z0-9_]*, no blanks around
// '='), optionally after `export `; blank lines and # comments are skipped,
// leading/trailing blanks and a CR (CRLF files) ignored. VALUE is one word:
// '...' (literal), "..." or a bare word, optionally followed by blanks and a
// # comment. No backslash escapes. The last assignment of a key wins. A line
// of any other shape is a problem and ignored; a $ or ` outside single quotes
// is a problem and drops the key (netraid would read another value than the
// shell).
DefaultsFile parse_defaults_file(std::string_view text);

}  // namespace netraid::common
