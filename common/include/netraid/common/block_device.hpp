// SPDX-License-Identifier: GPL-2.0-or-later
// What stands on, under and in a block device, and whether md may build on it
// or a server may serve it. Shared by the source (a mirror's local leg at
// create, an NBD leg at detach) and the target (the plugin's served disk), so
// both refuse the same things with the same words.
//
// inspect_device() gathers facts (stat, sysfs, mountinfo through libmount, an
// O_EXCL probe); the judgements below are pure and unit-tested (tests/common).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace netraid::common {

enum class PathKind { missing, block, regular, directory, other };

// The kernel's major number of NBD devices (/dev/nbdN).
constexpr unsigned kNbdMajor = 43;

// One block device as sysfs shows it (/sys/dev/block/M:m).
struct BlockLayer {
  std::string name;                  // kernel name: "md0", "dm-1", "nbd0", "sdb1", "md0p1"
  unsigned major = 0;
  bool md_array = false;             // has md/
  bool device_mapper = false;        // has dm/
  bool partition = false;            // has partition
  std::vector<std::string> holders;  // devices built on this one (holders/)
};

struct DeviceFacts {
  std::string path;
  PathKind kind = PathKind::missing;
  int stat_errno = 0;                    // when kind == missing
  std::string kind_name;                 // "character device", "fifo"... when kind == other
  std::uint64_t size_bytes = 0;          // block: sysfs size; regular: st_size
  std::uint64_t discard_max_bytes = 0;   // block: queue/discard_max_bytes (0: cannot discard)
  // Block devices: [0] the device itself, then every device it is built on,
  // nearest first (its slaves/, the disk of a partition, and theirs).
  std::vector<BlockLayer> stack;
  // What holds the device or one of its partitions (md, dm), or for a
  // regular file the loop devices backed by it.
  std::vector<std::string> holders;
  std::vector<std::string> mountpoints;  // where the device or one of its partitions is mounted
  bool busy = false;                     // an O_EXCL open was refused with EBUSY
};

// Effects. With probe_exclusive, also tries an O_EXCL open of a block device
// (closed at once): another program holding it shows as busy.
DeviceFacts inspect_device(const std::string& path, bool probe_exclusive);

// The judgements return "" or one reason that starts with "is ..." and ends
// with the remedy; the caller puts the device's name in front
// ("device /dev/sdb1 ", "dev=/dev/sdb1: ").

// md must not be stacked on md nor on a disk of another system: refuses an
// md array, a member of one, an NBD device, and anything built on those (a
// partition, a device-mapper device) or on a disk another array uses.
std::string stacking_refusal(const DeviceFacts& facts);
// Mounted, held (md, dm, loop), or open exclusively by another program.
std::string in_use_refusal(const DeviceFacts& facts);
// Both, stacking first.
std::string refusal(const DeviceFacts& facts);

// The md array that holds the device itself ("" when none).
std::string md_holder(const DeviceFacts& facts);

}  // namespace netraid::common
