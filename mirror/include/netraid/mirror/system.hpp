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
#include <functional>
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
  std::string tls_psk_file;      // "" = plaintext; else TLS with this key (kernel TLS)
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
  // The same with INPUT on its standard input (a secret never goes in argv,
  // which every user of either system can read in /proc).
  virtual ProgramResult run_on_with_input(const std::string& host, const std::vector<std::string>& args,
                                          const std::string& input) = 0;
  // This netraid binary in a process of its own that outlives the command
  // (the link watcher, `netraid nbd-watch`), output appended to LOG_FILE.
  virtual void start_detached_self(const std::vector<std::string>& args, const std::string& log_file) = 0;

  // md's sysfs attributes of array MD ("md0"): "array_state",
  // "dev-nbd0/state". nullopt when absent.
  virtual std::optional<std::string> md_read(const std::string& md, const std::string& attribute) = 0;
  // One write; the kernel's refusal is an exception with its message.
  virtual void md_write(const std::string& md, const std::string& attribute, const std::string& value) = 0;
  // The members md lists for MD ("ubda", "nbd0").
  virtual std::vector<std::string> md_members(const std::string& md) = 0;
  // A kernel text under /proc ("/proc/mdstat", "/proc/sys/dev/raid/speed_limit_max").
  virtual std::optional<std::string> read_proc(const std::string& path) = 0;

  // The md superblock and bitmap on DEVICE; throws when it has none.
  virtual mdadm::MemberMetadata read_member(const std::string& device) = 0;
  virtual DeviceUse device_use(const std::string& device) = 0;
  // The kernel's I/O counters of block DEVICE (/sys/class/block/LEAF/stat
  // as text, LEAF the name the path resolves to); nullopt when absent.
  virtual std::optional<std::string> block_stat(const std::string& device) = 0;

  // Whether this system serves TAG as a target (its nbdkit runs), and stop
  // it (netraid-server's process management, in this process).
  virtual bool serving(const std::string& tag) = 0;
  virtual void stop_serving(const std::string& tag) = 0;
  // Stop it at once (SIGKILL), for a takeover: nbdkit's orderly stop waits
  // up to 10 s for the connection of a source that died (measured: most of
  // a Pacemaker promote), and the old source must not land one more write.
  virtual void drop_serving(const std::string& tag) = 0;

  // Kernel NBD: connect (netlink, in this process), disconnect, and whether
  // a device is connected now.
  virtual AttachOutcome attach(const NbdLink& link) = 0;
  virtual void detach(const std::string& nbd) = 0;
  virtual bool nbd_connected(const std::string& nbd) = 0;
  // The target of NBD (connected as LINK) now holds NEW_BYTES: the kernel
  // device learns the size and gets a fresh connection whose handshake has
  // it, while its I/O is held (not failed) for the moment the connection is
  // replaced; drop_connection ends the old one (the target restarts its
  // server). "" when done, else one line (nbd-client's regrow).
  virtual std::string nbd_regrow(const std::string& nbd, const NbdLink& link, std::uint64_t new_bytes,
                                 const std::function<void()>& drop_connection) = 0;

  // Sleeps up to SECONDS, waking early when md signals a change of an
  // array's degraded count or sync action (sysfs attributes md notifies).
  virtual void wait_md_event(const std::vector<std::string>& mds, int seconds) = 0;

  // LENGTH bytes of block DEVICE from OFFSET, read with O_DIRECT, past every
  // cache (OFFSET and LENGTH multiples of 4096); fewer at the device's end.
  // OpError naming the device when it cannot be read (verify's comparison of
  // the legs).
  virtual std::string read_direct(const std::string& device, std::uint64_t offset, std::size_t length) = 0;
  // Sleeps MS milliseconds (pacing, re-reads).
  virtual void sleep_ms(int ms) = 0;

  // Seconds since the epoch.
  virtual std::int64_t now() = 0;
};

// The real system: remote exec with the settings' transport and program.
std::shared_ptr<System> real_system(const settings::Settings& settings);

}  // namespace netraid::mirror
