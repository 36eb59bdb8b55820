// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/common/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "netraid/common/file_error.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/unique_fd.hpp"

namespace netraid::common {

namespace {

// Names with a random part: a name that exists (left by a crash, or planted)
// makes O_EXCL fail, and the next try draws another.
constexpr int kTempNameTries = 16;

std::string errno_text(int err) { return std::strerror(err); }

void fsync_directory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    throw FileError("directory " + printable(dir) + ": fsync failed: " + errno_text(errno) +
                    ": the change may not survive a crash; check the disk");
}

std::string temp_name(const std::string& name) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return "." + name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rng() % 1000000000);
}

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A new temp file next to `target`, opened for writing; its name in `tmp`.
int create_temp(const std::string& dir, const std::string& name, const std::string& target, std::string& tmp,
                unsigned mode) {
  for (int attempt = 0; attempt < kTempNameTries; ++attempt) {
    tmp = dir + "/" + temp_name(name);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          static_cast<mode_t>(mode));
    if (fd >= 0) return fd;
    if (errno != EEXIST) break;
  }
  throw FileError(printable(target) + ": cannot create a temp file in " + printable(dir) + ": " + errno_text(errno) +
                  ": check that " + printable(dir) + " exists and is writable; nothing was changed");
}

}  // namespace

void write_file_durably(const std::string& dir, const std::string& name, std::string_view content, unsigned mode) {
  const auto target = dir + "/" + name;
  std::string tmp;
  {
    UniqueFd fd(create_temp(dir, name, target, tmp, mode));
    std::size_t done = 0;
    while (done < content.size()) {
      const auto n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw FileError(printable(target) + ": write failed: " + errno_text(err) + ": file unchanged; check the disk");
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.release_and_close() != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      throw FileError(printable(target) + ": fsync failed: " + errno_text(err) + ": file unchanged; check the disk");
    }
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw FileError(printable(target) + ": rename failed: " + errno_text(err) +
                    ": file unchanged; move away what is at that path if it is a directory");
  }
  fsync_directory(dir);
}

void write_file_durably(const std::string& path, std::string_view content) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash + 1 == path.size())
    throw FileError("file path " + quoted(path) + " is not DIRECTORY/NAME: give an absolute file path");
  const auto dir = parent_of(path);
  create_directories_durably(dir);
  write_file_durably(dir, path.substr(slash + 1), content);
}

void remove_file_durably(const std::string& dir, const std::string& name) {
  const auto target = dir + "/" + name;
  if (::unlink(target.c_str()) != 0) {
    if (errno == ENOENT) return;
    throw FileError(printable(target) + ": cannot remove: " + errno_text(errno) + ": fix permissions and retry");
  }
  fsync_directory(dir);
}

void create_directories_durably(const std::string& dir) {
  if (dir.empty()) throw FileError("directory path is empty: give an absolute path");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return;
    throw FileError("directory " + printable(dir) + " exists but is not a directory: move it away");
  }
  const auto parent = parent_of(dir);
  if (parent != dir) create_directories_durably(parent);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw FileError("directory " + printable(dir) + ": cannot create: " + errno_text(errno) + ": check permissions");
  fsync_directory(parent);
}

}  // namespace netraid::common
