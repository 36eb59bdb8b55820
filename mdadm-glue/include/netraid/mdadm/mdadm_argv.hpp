// SPDX-License-Identifier: GPL-2.0-or-later
// Argument vectors for mdadm (without the program name), built as pure
// functions so each can be unit-tested and none passes through a shell.
// Device arguments must be absolute /dev paths: a value starting with '-'
// would be read by mdadm as an option.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "netraid/common/limits.hpp"

namespace netraid::mdadm {

using Argv = std::vector<std::string>;

// A builder was given a value mdadm would misread; nothing was run.
struct ArgvError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

using common::kMaxTargets;  // so at most 8 raid devices

struct CreateRaid1 {
  std::string md_device;      // "/dev/md0"
  std::string local_device;   // the source's own partition
  unsigned raid_devices = 2;  // local + one slot per (future) target, 2..8
  unsigned bitmap_chunk_kb = 0;  // power of two, >= 4
  std::string name;           // optional --name (the mirror's tag)
  // md superblock format: "1.2" (4 KiB from the start, data after it: a new
  // mirror) or "1.0" (at the end, data from byte 0: a mirror made around an
  // existing file system, which stays where it is).
  std::string metadata = "1.2";
};

// --create MD --metadata=1.2|1.0 --level=1 --raid-devices=N --bitmap=internal
// --bitmap-chunk=K [--name=TAG] --run LOCAL missing...
Argv create_degraded_raid1_argv(const CreateRaid1& spec);
// --manage MD --add DEV. Not `--add --write-mostly`: with mdadm 4.2 on Linux
// 6.1 that left the new member faulty at once, every time (lab capture
// tests/mdadm-glue/data/lab-mdstat-added-write-mostly-faulty.txt). Add it
// plain, then write kWriteMostlyOn to its dev-NAME/state (sysfs_values.hpp).
Argv add_argv(const std::string& md_device, const std::string& device);
Argv re_add_argv(const std::string& md_device, const std::string& device);
Argv fail_argv(const std::string& md_device, const std::string& device);
// `device` may also be mdadm's keyword "failed" or "detached".
Argv remove_argv(const std::string& md_device, const std::string& device);
Argv stop_argv(const std::string& md_device);
// --assemble --run MD DEV...: a new source assembles its own leg alone.
Argv assemble_argv(const std::string& md_device, const std::vector<std::string>& devices);
// force: let a new slot stay empty (degraded) until an --add fills it;
// without it mdadm wants a spare already in the array.
Argv grow_raid_devices_argv(const std::string& md_device, unsigned raid_devices, bool force = false);
// --grow MD --size=KIB: the space each member gives the array, in KiB (md's
// component_size). Online for RAID1; md then resyncs the added region. KIB
// must be at least 1 and a multiple of 4 (md works in 4 KiB pages; mdadm
// itself rounds --size=max down to 64 KiB).
Argv grow_size_argv(const std::string& md_device, std::uint64_t component_kib);
// --zero-superblock --force DEV: a device about to join as a new leg must not
// carry a superblock md could take for a bitmap re-add.
Argv zero_superblock_argv(const std::string& device);
Argv detail_export_argv(const std::string& md_device);
Argv examine_export_argv(const std::string& device);
Argv examine_argv(const std::string& device);

}  // namespace netraid::mdadm
