// SPDX-License-Identifier: GPL-2.0-or-later
// A mirror's local device as the CLI sees it: may it become a leg (create),
// and the two facts other verbs ask of a device in use (size, mount point).
// The checks themselves are shared with the target's plugin (common/).
#pragma once
#include <cstdint>
#include <string>

#include "netraid/common/block_device.hpp"

namespace netraid::mirror::device {

struct Facts {
  std::uint64_t size_bytes = 0;
  std::string mounted_on;  // a mount point of the device or a partition of it, if mounted
};

// Effects: stat, sysfs, mountinfo.
Facts inspect(const std::string& path);

// Effects: the shared facts, with an O_EXCL probe.
common::DeviceFacts inspect_for_leg(const std::string& path);

// Pure: the one-line refusal, or "" when the device may become a mirror's local leg.
std::string leg_refusal(const common::DeviceFacts& facts, std::uint64_t min_bytes);

}  // namespace netraid::mirror::device
