// SPDX-License-Identifier: GPL-2.0-or-later
// May a local device become a mirror's leg (create)? The checks themselves
// are shared with the target's plugin (common/); a device in use is asked
// through System::device_use.
#pragma once
#include <cstdint>
#include <string>

#include "netraid/common/block_device.hpp"

namespace netraid::mirror::device {

// Effects: the shared facts, with an O_EXCL probe.
common::DeviceFacts inspect_for_leg(const std::string& path);

// Pure: the one-line refusal, or "" when the device may become a mirror's local leg.
std::string leg_refusal(const common::DeviceFacts& facts, std::uint64_t min_bytes);

}  // namespace netraid::mirror::device
