// SPDX-License-Identifier: GPL-2.0-or-later
// The product's limits, in one place: every library that checks one of these
// reads it from here, so a check and its message never disagree.
#pragma once
#include <cstddef>
#include <cstdint>

namespace netraid::common {

// Targets of one mirror (DataKeeper's limit): md's RAID1 then has at most 8 legs.
inline constexpr unsigned kMaxTargets = 7;

// md keeps an array's name in the 32-byte set_name of its v1 superblock, NUL
// padded: mdadm --create --name stores at most 31 characters and cuts a
// longer name without a word (its own check lets 32 through). Lab-checked
// with mdadm 4.2 on Linux 6.1 (tests/lab/failover-bad-inputs.sh).
inline constexpr std::size_t kMaxTagLength = 31;
inline constexpr std::size_t kMaxNodeNameLength = 64;

// md needs room for its superblock and bitmap; a smaller leg is a mistake.
inline constexpr std::uint64_t kMinLegBytes = 16ull << 20;

}  // namespace netraid::common
