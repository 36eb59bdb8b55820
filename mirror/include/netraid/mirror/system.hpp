// SPDX-License-Identifier: GPL-2.0-or-later
// Every effect the orchestration has on this system and its peers, behind one
// interface: programs (mdadm, mount, blockdev), `netraid` on another system,
// md's sysfs, the disks' md metadata, kernel NBD devices and the clock. The
// real one (real_system.cpp) does them; tests/mirror/fake_system.hpp records
// them and plays a small md, so the order of the steps is unit-tested.
// Files the product owns (configs, flags, runtime state) are not here: they
// live under directories from Settings, which tests point at a temp dir.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netraid/mdadm/member_device.hpp"
#include "netraid/mirror/settings.hpp"

namespace netraid::mirror {

struct ProgramResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// One target of a mirror to connect as a kernel NBD device.
struct NbdLink {
  std::string address;
  std::uint16_t port = 0;
  std::string export_name;       // the mirror's tag
  std::string device;            // "/dev/nbdN" to reuse, "" = any free one
  std::uint64_t min_bytes = 0;   // refuse a smaller export
  std::uint64_t grace_seconds = 0;  // I/O waits this long for a reconnect
};

struct AttachOutcome {
  std::string device;  // "/dev/nbdN"; "" when it failed
  std::string error;   // one line when it failed
};

// Size and mount point of a block device, as the verbs ask them.
struct DeviceUse {
  std::uint64_t size_bytes = 0;
  std::string mounted_on;  // "" = not mounted
};

class System {
 public:
  virtual ~System() = default;

  // A program with its argument vector (never a shell string). A program
  // that cannot be started is an OpError naming it.
  virtual ProgramResult run(const std::vector<std::string>& argv) = 0;
  // `netraid ARGS` on another system of the mirror, through remote exec.
  virtual ProgramResult run_on(const std::string& host, const std::vector<std::string>& args) = 0;
  // This netraid binary, for what needs a process of its own: the nbdkit a
  // target serves, and the link watcher that outlives the command.
  virtual ProgramResult run_self(const std::vector<std::string>& args) = 0;
  virtual void start_detached_self(const std::vector<std::string>& args, const std::string& log_file) = 0;

  // md's sysfs attributes of array MD ("md0"): "array_state",
  // "dev-nbd0/state". nullopt when absent.
  virtual std::optional<std::string> md_read(const std::string& md, const std::string& attribute) = 0;
  // One write; the kernel's refusal is an exception with its message.
  virtual void md_write(const std::string& md, const std::string& attribute, const std::string& value) = 0;

  // The md superblock and bitmap on DEVICE; throws when it has none.
  virtual mdadm::MemberMetadata read_member(const std::string& device) = 0;
  virtual DeviceUse device_use(const std::string& device) = 0;

  // Kernel NBD: connect (netlink, in this process), disconnect, and whether
  // a device is connected now.
  virtual AttachOutcome attach(const NbdLink& link) = 0;
  virtual void detach(const std::string& nbd) = 0;
  virtual bool nbd_connected(const std::string& nbd) = 0;

  // Seconds since the epoch.
  virtual std::int64_t now() = 0;
};

// The real system: remote exec with the settings' transport and program.
std::shared_ptr<System> real_system(const settings::Settings& settings);

}  // namespace netraid::mirror
