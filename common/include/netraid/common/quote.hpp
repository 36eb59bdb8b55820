// SPDX-License-Identifier: GPL-2.0-or-later
// User input echoed in a message. A tag, a path or an option given with a
// newline or a terminal escape in it must not forge a second log line or
// repaint the operator's terminal: every byte that is not printable ASCII is
// written as an escape (\n, \r, \t, \xNN), the backslash as \\.
#pragma once
#include <string>
#include <string_view>

namespace netraid::common {

// Longest part of an input echoed; the rest becomes "...".
inline constexpr std::size_t kMaxEchoedBytes = 256;

// `text` with escapes, no quotes around it: for values inside a path or a
// sentence ("no mirror datarep on this system").
std::string printable(std::string_view text);

// `text` with escapes between single quotes ('a\nb'); a quote inside becomes \'.
std::string quoted(std::string_view text);

// A whole message made one line: control characters escaped as above, every
// other byte as it is (a message built with quoted() reads the same). The
// last guard of every error line a verb prints, for input no message quoted.
std::string one_line(std::string_view message);

}  // namespace netraid::common
