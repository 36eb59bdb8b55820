// SPDX-License-Identifier: GPL-2.0-or-later
// The error of everything in netraid-flags that touches or checks a flag:
// one line naming the flag file or value, what is wrong, and what to do.
#pragma once
#include <stdexcept>

namespace netraid::flags {

struct FlagError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace netraid::flags
