// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/sysfs_attributes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace netraid::mdadm {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw SysfsError("sysfs " + path + ": " + what + ": " + std::strerror(err));
}

}  // namespace

MdSysfs::MdSysfs(std::string md_name, std::string sys_root)
    : md_dir_(std::move(sys_root) + "/block/" + md_name + "/md") {}

std::string MdSysfs::path(std::string_view attribute) const {
  if (attribute.empty() || attribute.find("..") != std::string_view::npos || attribute.front() == '/')
    throw SysfsError("sysfs attribute '" + std::string(attribute) + "' is not a name under " + md_dir_);
  return md_dir_ + "/" + std::string(attribute);
}

std::string MdSysfs::read(std::string_view attribute) const {
  const auto p = path(attribute);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open for reading", p, errno);
  std::string text;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("read failed", p, err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

void MdSysfs::write(std::string_view attribute, std::string_view value) const {
  const auto p = path(attribute);
  const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open for writing", p, errno);
  ssize_t n;
  do {
    n = ::write(fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (n < 0) fail("write '" + std::string(value) + "' refused", p, err);
  if (static_cast<std::size_t>(n) != value.size())
    throw SysfsError("sysfs " + p + ": only " + std::to_string(n) + " of " + std::to_string(value.size()) +
                     " bytes taken: write shorter values (one page at most)");
}

std::vector<std::string> MdSysfs::members() const {
  DIR* dir = ::opendir(md_dir_.c_str());
  if (!dir) fail("cannot list members", md_dir_, errno);
  std::vector<std::string> names;
  while (const auto* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name.size() > 4 && name.substr(0, 4) == "dev-") names.emplace_back(name.substr(4));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace netraid::mdadm
