// SPDX-License-Identifier: GPL-2.0-or-later
// The first non-empty line of a program's output, trailing blanks removed:
// what a one-line error keeps of a failed command's stderr.
#pragma once
#include <string>
#include <string_view>

namespace netraid::common {

std::string first_line(std::string_view text);

}  // namespace netraid::common
