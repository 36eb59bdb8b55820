// SPDX-License-Identifier: GPL-2.0-or-later
#include <cstdio>

#include "verb.hpp"

namespace {
int run_version(std::span<const std::string>) {
  std::printf("netraid %s\n", NETRAID_VERSION);
  return netraid::cli::kOk;
}
}  // namespace

NETRAID_VERB("version", kOther, "print the version", run_version);
