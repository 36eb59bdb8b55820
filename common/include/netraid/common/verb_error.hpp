// SPDX-License-Identifier: GPL-2.0-or-later
// How a netraid verb reports that it failed, whichever library runs it (the
// CLI's verbs, the NBD client's): one line on stderr, "netraid: PROBLEM: what
// to do". When the caller asked for machine output (--json), stdout gets a
// JSON object as well, so a script that parses stdout always reads valid JSON:
//   {"error": "status: no mirror 'nosuch' on this system: ...", "exit_code": 2}
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace netraid::common {

// True when `args` ask for machine output: --json before any "--".
bool wants_json(std::span<const std::string> args);

// The JSON object above, one line with a newline (pure).
std::string error_json(std::string_view message, int exit_code);

// Prints `message` (without the "netraid: " prefix) as described above.
void report_failure(std::string_view message, int exit_code, bool json);

}  // namespace netraid::common
