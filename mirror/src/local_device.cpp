// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/local_device.hpp"

namespace netraid::mirror::device {

common::DeviceFacts inspect_for_leg(const std::string& path) { return common::inspect_device(path, true); }

std::string leg_refusal(const common::DeviceFacts& f, std::uint64_t min_bytes) {
  const std::string device = "device " + f.path + " ";
  if (f.kind == common::PathKind::missing) return device + "does not exist: give an existing partition or disk";
  if (f.kind != common::PathKind::block) return f.path + " is not a block device: give a partition or disk such as /dev/sdb1";
  if (auto e = common::refusal(f); !e.empty()) return device + e;
  if (f.size_bytes < min_bytes)
    return device + "has " + std::to_string(f.size_bytes >> 20) + " MiB, at least " + std::to_string(min_bytes >> 20) +
           " MiB are needed: give a larger device";
  return {};
}

}  // namespace netraid::mirror::device
