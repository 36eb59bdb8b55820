// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/mdadm_argv.hpp"

#include <bit>

namespace netraid::mdadm {

namespace {

void require_dev_path(const std::string& path, const char* what) {
  if (path.size() <= 5 || path.compare(0, 5, "/dev/") != 0 ||
      path.find_first_of(" \t\n") != std::string::npos || path.find("/../") != std::string::npos)
    throw ArgvError(std::string(what) + " '" + path + "' is not a /dev/ path: give the device as /dev/NAME");
}

void require_raid_devices(unsigned n) {
  if (n < 2 || n > kMaxTargets + 1)
    throw ArgvError("raid devices " + std::to_string(n) + " out of range: a mirror has the local leg plus 1 to " +
                    std::to_string(kMaxTargets) + " targets");
}

Argv manage(const std::string& md, const char* op, const std::string& dev) {
  require_dev_path(md, "md device");
  require_dev_path(dev, "member device");
  return {"--manage", md, op, dev};
}

}  // namespace

Argv create_degraded_raid1_argv(const CreateRaid1& spec) {
  require_dev_path(spec.md_device, "md device");
  require_dev_path(spec.local_device, "local device");
  require_raid_devices(spec.raid_devices);
  if (spec.bitmap_chunk_kb < 4 || !std::has_single_bit(spec.bitmap_chunk_kb))
    throw ArgvError("bitmap chunk " + std::to_string(spec.bitmap_chunk_kb) +
                    " KiB is not a power of two >= 4: pick e.g. 64 or 256");
  if (spec.name.find_first_of(" \t\n/") != std::string::npos || spec.name.size() > 32)
    throw ArgvError("array name '" + spec.name + "' has spaces or '/' or is over 32 characters");
  if (spec.metadata != "1.2" && spec.metadata != "1.0")
    throw ArgvError("md metadata '" + spec.metadata + "' is neither 1.2 nor 1.0");
  Argv argv{"--create",
            spec.md_device,
            "--metadata=" + spec.metadata,
            "--level=1",
            "--raid-devices=" + std::to_string(spec.raid_devices),
            "--bitmap=internal",
            "--bitmap-chunk=" + std::to_string(spec.bitmap_chunk_kb)};
  if (!spec.name.empty()) argv.push_back("--name=" + spec.name);
  argv.push_back("--run");
  argv.push_back(spec.local_device);
  for (unsigned i = 1; i < spec.raid_devices; ++i) argv.emplace_back("missing");
  return argv;
}

Argv add_argv(const std::string& md_device, const std::string& device) {
  return manage(md_device, "--add", device);
}

Argv re_add_argv(const std::string& md_device, const std::string& device) {
  return manage(md_device, "--re-add", device);
}

Argv fail_argv(const std::string& md_device, const std::string& device) {
  return manage(md_device, "--fail", device);
}

Argv remove_argv(const std::string& md_device, const std::string& device) {
  if (device == "failed" || device == "detached") {
    require_dev_path(md_device, "md device");
    return {"--manage", md_device, "--remove", device};
  }
  return manage(md_device, "--remove", device);
}

Argv stop_argv(const std::string& md_device) {
  require_dev_path(md_device, "md device");
  return {"--stop", md_device};
}

Argv assemble_argv(const std::string& md_device, const std::vector<std::string>& devices) {
  require_dev_path(md_device, "md device");
  if (devices.empty()) throw ArgvError("assemble " + md_device + ": no member device given");
  Argv argv{"--assemble", "--run", md_device};
  for (const auto& d : devices) {
    require_dev_path(d, "member device");
    argv.push_back(d);
  }
  return argv;
}

Argv grow_raid_devices_argv(const std::string& md_device, unsigned raid_devices, bool force) {
  require_dev_path(md_device, "md device");
  require_raid_devices(raid_devices);
  Argv argv{"--grow", md_device, "--raid-devices=" + std::to_string(raid_devices)};
  if (force) argv.emplace_back("--force");
  return argv;
}

Argv grow_size_argv(const std::string& md_device, std::uint64_t component_kib) {
  require_dev_path(md_device, "md device");
  if (component_kib == 0 || component_kib % 4 != 0)
    throw ArgvError("component size " + std::to_string(component_kib) +
                    " KiB is not a positive multiple of 4 KiB: round it down to one");
  return {"--grow", md_device, "--size=" + std::to_string(component_kib)};
}

Argv zero_superblock_argv(const std::string& device) {
  require_dev_path(device, "member device");
  return {"--zero-superblock", "--force", device};
}

Argv detail_export_argv(const std::string& md_device) {
  require_dev_path(md_device, "md device");
  return {"--detail", "--export", md_device};
}

Argv examine_export_argv(const std::string& device) {
  require_dev_path(device, "member device");
  return {"--examine", "--export", device};
}

Argv examine_argv(const std::string& device) {
  require_dev_path(device, "member device");
  return {"--examine", device};
}

}  // namespace netraid::mdadm
