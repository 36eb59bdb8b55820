// SPDX-License-Identifier: GPL-2.0-or-later
// The pure judgements of block_device.hpp: facts in, "" or one reason out.
#include "netraid/common/block_device.hpp"

#include <algorithm>

namespace netraid::common {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Kernel names of md arrays: md0, md127, md_home (mdadm's named arrays).
bool is_md_name(const std::string& name) {
  return name.size() > 2 && name.compare(0, 2, "md") == 0 &&
         ((name[2] >= '0' && name[2] <= '9') || name[2] == '_');
}

bool is_nbd(const BlockLayer& layer) { return layer.major == kNbdMajor; }

// How the device sits on a device below it, for the message.
std::string sits_on(const BlockLayer& self) {
  if (self.partition) return "is a partition of ";
  if (self.device_mapper) return "is a device-mapper device (" + self.name + ") over ";
  return "is built on ";
}

const std::string kInNoArray = ": give a partition or disk that is in no array";
const std::string kLocalDisk = " (a disk of another system): give a local partition or disk";

}  // namespace

std::string md_holder(const DeviceFacts& facts) {
  if (facts.stack.empty()) return {};
  for (const auto& h : facts.stack[0].holders)
    if (is_md_name(h)) return h;
  return {};
}

std::string stacking_refusal(const DeviceFacts& facts) {
  if (facts.stack.empty()) return {};
  const BlockLayer& self = facts.stack[0];
  if (self.md_array) return "is the md array " + self.name + kInNoArray;
  if (auto md = md_holder(facts); !md.empty()) return "is a member of the md array " + md + kInNoArray;
  if (is_nbd(self)) return "is an NBD device" + kLocalDisk;
  // An array anywhere below wins over an NBD device below it: the array is
  // what the operator knows this device by.
  for (std::size_t i = 1; i < facts.stack.size(); ++i)
    if (facts.stack[i].md_array) return sits_on(self) + "the md array " + facts.stack[i].name + kInNoArray;
  for (std::size_t i = 1; i < facts.stack.size(); ++i)
    if (is_nbd(facts.stack[i])) return sits_on(self) + "the NBD device " + facts.stack[i].name + kLocalDisk;
  // A disk below that an array uses whole (the disk of a partition): the
  // array's data area covers this device too. Holders inside our own stack
  // (a dm device over its disk) are the stack itself, not another user.
  auto in_stack = [&](const std::string& name) {
    return std::any_of(facts.stack.begin(), facts.stack.end(), [&](const BlockLayer& l) { return l.name == name; });
  };
  for (std::size_t i = 1; i < facts.stack.size(); ++i)
    for (const auto& h : facts.stack[i].holders)
      if (is_md_name(h) && !in_stack(h))
        return sits_on(self) + facts.stack[i].name + ", a member of the md array " + h + kInNoArray;
  return {};
}

std::string in_use_refusal(const DeviceFacts& facts) {
  if (!facts.mountpoints.empty()) return "is mounted on " + join(facts.mountpoints) + ": unmount it first";
  if (!facts.holders.empty())
    return "is in use by " + join(facts.holders) +
           ": take it out of there first (mdadm --stop, dmsetup remove, losetup -d)";
  if (facts.busy)
    return "is open exclusively by another program: stop that program first (see fuser -v " + facts.path + ")";
  return {};
}

std::string refusal(const DeviceFacts& facts) {
  if (auto e = stacking_refusal(facts); !e.empty()) return e;
  return in_use_refusal(facts);
}

}  // namespace netraid::common
