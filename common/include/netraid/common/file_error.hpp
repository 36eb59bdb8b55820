// SPDX-License-Identifier: GPL-2.0-or-later
// The error of netraid-common's file helpers: one line naming the file, what
// is wrong with it and what to do. Libraries that have their own error type
// (flags: FlagError) rethrow it as theirs.
#pragma once
#include <stdexcept>

namespace netraid::common {

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace netraid::common
