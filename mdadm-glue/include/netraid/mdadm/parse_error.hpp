// SPDX-License-Identifier: GPL-2.0-or-later
// The one error type of every parser in netraid-mdadm: the text or bytes did
// not have the shape md/mdadm produce. The message is one line that names the
// input and what was wrong with it.
#pragma once
#include <stdexcept>
#include <string>

namespace netraid::mdadm {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace netraid::mdadm
