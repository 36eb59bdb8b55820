#include "config_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace netraid::config {

namespace fs = std::filesystem;

namespace {
[[noreturn]] void fail_errno(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  const fs::path target(path);
  const auto dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string tmp = (dir / ("." + target.filename().string() + ".tmp")).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_errno("cannot create", tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail_errno("cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail_errno("cannot fsync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail_errno("cannot rename into", path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail_errno("cannot open directory", dir.string());
  if (::fsync(dfd) != 0) {
    ::close(dfd);
    fail_errno("cannot fsync directory", dir.string());
  }
  ::close(dfd);
}

std::optional<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_errno("cannot read", path);
  }
  std::string content;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail_errno("cannot read", path);
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

Store::Store(std::string dir) : dir_(std::move(dir)) {}

std::string Store::path(const std::string& tag) const { return dir_ + "/" + tag + ".json"; }

std::vector<MirrorConfig> Store::list() const {
  std::vector<MirrorConfig> all;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return all;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "netraid.json" || name[0] == '.') continue;
    auto text = read_file(entry.path().string());
    if (!text) continue;
    try {
      all.push_back(parse(*text));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(entry.path().string() + ": " + e.what() + ": fix or remove the file");
    }
  }
  return all;
}

std::optional<MirrorConfig> Store::find(const std::string& tag) const {
  auto text = read_file(path(tag));
  if (!text) return std::nullopt;
  try {
    return parse(*text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path(tag) + ": " + e.what() + ": fix or remove the file");
  }
}

MirrorConfig Store::load(const std::string& tag) const {
  if (auto e = validate_tag(tag); !e.empty()) throw std::invalid_argument(e);
  auto m = find(tag);
  // An unknown tag is a bad argument (the verbs exit 2), not a failed operation.
  if (!m) throw std::invalid_argument("no mirror " + tag + " on this system: see 'netraid status' for the mirrors here");
  return *m;
}

void Store::save(const MirrorConfig& mirror) const { write_file_atomically(path(mirror.tag), render(mirror)); }

void Store::remove(const std::string& tag) const {
  if (::unlink(path(tag).c_str()) != 0 && errno != ENOENT) fail_errno("cannot remove", path(tag));
}

}  // namespace netraid::config
