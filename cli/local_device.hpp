// Facts about a local block device that create/extend must check before
// touching it, and the pure judgement of those facts.
#pragma once
#include <cstdint>
#include <string>

namespace netraid::device {

struct Facts {
  std::string path;
  bool exists = false;
  bool is_block = false;
  std::uint64_t size_bytes = 0;
  std::string mounted_on;  // a mount point, if mounted anywhere
  std::string held_by;     // e.g. "md0" from /sys/class/block/X/holders
  bool busy = false;       // O_EXCL open refused (EBUSY)
};

// Effects: stat, /proc/self/mountinfo, sysfs holders, O_EXCL open (closed again).
Facts inspect(const std::string& path);

// Pure: the one-line refusal, or "" when the device may become a leg.
std::string refusal(const Facts& facts, std::uint64_t min_bytes);

}  // namespace netraid::device
