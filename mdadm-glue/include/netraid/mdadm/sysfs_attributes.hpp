// SPDX-License-Identifier: GPL-2.0-or-later
// Reads and writes /sys/block/mdX/md/ATTRIBUTE. Thin: no interpretation
// (parse the text with sysfs_values.hpp). The root is configurable so tests
// and the lab can point it at a directory tree.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::mdadm {

struct SysfsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class MdSysfs {
 public:
  // md_name: "md0". sys_root: "/sys" on a real system.
  explicit MdSysfs(std::string md_name, std::string sys_root = "/sys");

  // "/sys/block/md0/md/<attribute>"; attribute may contain one '/' level
  // ("bitmap/chunksize", "dev-nbd0/state").
  std::string path(std::string_view attribute) const;

  // The attribute's text with the trailing newline removed.
  std::string read(std::string_view attribute) const;

  // One write() of `value`, as `echo -n value > path` would do; the kernel's
  // error (EBUSY, EINVAL) becomes the message.
  void write(std::string_view attribute, std::string_view value) const;

  // Member directory names without the "dev-" prefix: {"ubda", "nbd0"}.
  std::vector<std::string> members() const;

 private:
  std::string md_dir_;
};

}  // namespace netraid::mdadm
