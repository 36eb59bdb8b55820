// SPDX-License-Identifier: GPL-2.0-or-later
// A fresh random data generation id (never 0) for start_new_generation().
// The only non-pure piece of the generation logic: it reads the kernel's
// random source.
#pragma once
#include <cstdint>

namespace netraid::flags {

std::uint64_t new_generation_id();

}  // namespace netraid::flags
