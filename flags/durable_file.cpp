#include "netraid/flags/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close() reports deferred write errors on some filesystems: check it.
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

void fsync_directory(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    throw FlagError("flag directory " + dir + ": fsync failed: " + errno_text(errno) +
                    ": the flag change may not survive a crash; check the disk");
}

std::string temp_name(const std::string& name) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return "." + name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rng() % 1000000);
}

std::string parent_of(const std::string& dir) {
  const auto slash = dir.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return dir.substr(0, slash);
}

}  // namespace

std::optional<std::string> read_small_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) {
      // Absent only if the directory itself is there: a missing flag
      // directory means a wrong LKROOT or an unmounted disk, not "no flag".
      struct stat st {};
      const auto dir = parent_of(path);
      if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw FlagError("flag directory " + dir + " does not exist: check LKROOT, or create the mirror first");
      return std::nullopt;
    }
    throw FlagError("flag " + path + ": cannot open: " + errno_text(err) +
                    ": fix it (permissions, disk) before any failover decision; never delete it blindly");
  }
  std::string content;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw FlagError("flag " + path + ": read failed: " + errno_text(errno) +
                      ": fix it (permissions, disk) before any failover decision; never delete it blindly");
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
    if (content.size() > kMaxFlagFileBytes)
      throw FlagError("flag " + path + ": larger than " + std::to_string(kMaxFlagFileBytes) +
                      " bytes: not a netraid flag; move it away");
  }
  return content;
}

void write_file_durably(const std::string& dir, const std::string& name, std::string_view content) {
  const auto tmp = dir + "/" + temp_name(name);
  const auto target = dir + "/" + name;
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0)
      throw FlagError("flag " + target + ": cannot create temp file: " + errno_text(errno) +
                      ": check that " + dir + " exists and is writable");
    std::size_t done = 0;
    while (done < content.size()) {
      const auto n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw FlagError("flag " + target + ": write failed: " + errno_text(err) + ": flag unchanged; check the disk");
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.release_and_close() != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      throw FlagError("flag " + target + ": fsync failed: " + errno_text(err) + ": flag unchanged; check the disk");
    }
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw FlagError("flag " + target + ": rename failed: " + errno_text(err) + ": flag unchanged");
  }
  fsync_directory(dir);
}

void remove_file_durably(const std::string& dir, const std::string& name) {
  const auto target = dir + "/" + name;
  if (::unlink(target.c_str()) != 0) {
    if (errno == ENOENT) return;
    throw FlagError("flag " + target + ": cannot remove: " + errno_text(errno) + ": fix permissions and retry");
  }
  fsync_directory(dir);
}

void create_directories_durably(const std::string& dir) {
  if (dir.empty()) throw FlagError("flag directory path is empty: set LKROOT");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return;
    throw FlagError("flag directory " + dir + " exists but is not a directory: move it away");
  }
  const auto parent = parent_of(dir);
  if (parent != dir) create_directories_durably(parent);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw FlagError("flag directory " + dir + ": cannot create: " + errno_text(errno));
  fsync_directory(parent);
}

}  // namespace netraid::flags
