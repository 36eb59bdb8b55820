// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/common/small_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netraid/common/file_error.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/unique_fd.hpp"

namespace netraid::common {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  return "not a regular file";
}

[[noreturn]] void refuse_kind(const std::string& named, mode_t mode) {
  if (S_ISLNK(mode))
    throw FileError(named + " is a symbolic link: netraid does not follow links here; put the file itself there");
  throw FileError(named + " is " + kind_of(mode) + ", not a regular file: move it away, then retry");
}

}  // namespace

std::optional<std::string> read_small_file(const std::string& path, std::string_view what, std::size_t max_bytes) {
  const std::string named = std::string(what) + " " + printable(path);
  // Look before opening: opening a device can have effects (a tape rewinds,
  // a watchdog starts); opening a FIFO without O_NONBLOCK waits for a writer.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw FileError(named + ": cannot look at it: " + std::strerror(errno) + ": fix it (permissions, disk) and retry");
  }
  if (!S_ISREG(st.st_mode)) refuse_kind(named, st.st_mode);
  // Something may have replaced the file since: O_NOFOLLOW and O_NONBLOCK
  // keep open() from following or waiting, fstat() checks what was opened.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return std::nullopt;
    if (err == ELOOP) refuse_kind(named, S_IFLNK);
    throw FileError(named + ": cannot open: " + std::strerror(err) + ": fix it (permissions, disk) and retry");
  }
  if (::fstat(fd.get(), &st) != 0)
    throw FileError(named + ": fstat failed: " + std::strerror(errno) + ": check the disk");
  if (!S_ISREG(st.st_mode)) refuse_kind(named, st.st_mode);
  std::string content;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw FileError(named + ": read failed: " + std::strerror(errno) + ": fix it (permissions, disk) and retry");
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
    if (content.size() > max_bytes)
      throw FileError(named + " is larger than " + std::to_string(max_bytes) + " bytes: not a netraid " +
                      std::string(what) + "; move it away");
  }
  return content;
}

}  // namespace netraid::common
