// SPDX-License-Identifier: GPL-2.0-or-later
// Effects side of block_device.hpp: stat, sysfs, /proc/self/mountinfo through
// libmount, loop devices' backing files, an O_EXCL probe. It only gathers
// facts; block_device.cpp judges them.
#include <fcntl.h>
#include <libmount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "netraid/common/block_device.hpp"

namespace netraid::common {

namespace fs = std::filesystem;

namespace {

// Deeper stacks than this do not occur; the bound keeps a sysfs loop finite.
constexpr std::size_t kMaxLayers = 64;

fs::path sysfs_dir(dev_t d) {
  return "/sys/dev/block/" + std::to_string(major(d)) + ":" + std::to_string(minor(d));
}

std::string read_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

BlockLayer layer_at(const fs::path& dir) {
  BlockLayer layer;
  std::error_code ec;
  layer.name = dir.filename().string();
  unsigned maj = 0, min = 0;
  if (std::sscanf(read_line(dir / "dev").c_str(), "%u:%u", &maj, &min) == 2) layer.major = maj;
  layer.md_array = fs::exists(dir / "md", ec);
  layer.device_mapper = fs::exists(dir / "dm", ec);
  layer.partition = fs::exists(dir / "partition", ec);
  layer.holders = entries(dir / "holders");
  return layer;
}

// The device, then what it is built on: slaves/ (md members, dm targets) and
// the disk of a partition, breadth first.
std::vector<BlockLayer> stack_of(dev_t rdev) {
  std::vector<BlockLayer> out;
  std::error_code ec;
  std::vector<fs::path> todo{fs::canonical(sysfs_dir(rdev), ec)};
  if (ec) return out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < todo.size() && out.size() < kMaxLayers; ++i) {
    const fs::path dir = todo[i];
    if (!seen.insert(dir.filename().string()).second) continue;
    out.push_back(layer_at(dir));
    if (out.back().partition) todo.push_back(dir.parent_path());
    for (const auto& e : fs::directory_iterator(dir / "slaves", ec)) {
      auto below = fs::canonical(e.path(), ec);
      if (!ec) todo.push_back(below);
    }
  }
  return out;
}

// The device itself plus its partitions: mounting a partition makes the disk busy too.
std::set<dev_t> device_and_partitions(dev_t rdev) {
  std::set<dev_t> out{rdev};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(sysfs_dir(rdev), ec)) {
    if (!fs::exists(e.path() / "partition", ec)) continue;
    unsigned maj = 0, min = 0;
    if (std::sscanf(read_line(e.path() / "dev").c_str(), "%u:%u", &maj, &min) == 2)
      out.insert(makedev(maj, min));
  }
  return out;
}

std::vector<std::string> mountpoints_of(const std::set<dev_t>& devs) {
  std::vector<std::string> out;
  libmnt_table* tb = mnt_new_table_from_file("/proc/self/mountinfo");
  if (!tb) return out;
  libmnt_iter* it = mnt_new_iter(MNT_ITER_FORWARD);
  libmnt_fs* f = nullptr;
  while (mnt_table_next_fs(tb, it, &f) == 0) {
    if (devs.count(mnt_fs_get_devno(f)) && mnt_fs_get_target(f)) out.emplace_back(mnt_fs_get_target(f));
  }
  mnt_free_iter(it);
  mnt_unref_table(tb);
  return out;
}

std::vector<std::string> holders_of(const std::set<dev_t>& devs) {
  std::vector<std::string> out;
  for (dev_t d : devs)
    for (auto& h : entries(sysfs_dir(d) / "holders")) out.push_back(std::move(h));
  return out;
}

// Loop devices whose backing file is this file (same inode).
std::vector<std::string> loops_backed_by(const struct stat& st) {
  std::vector<std::string> out;
  for (const auto& name : entries("/sys/block")) {
    if (name.rfind("loop", 0) != 0) continue;
    const std::string backing = read_line(fs::path("/sys/block") / name / "loop" / "backing_file");
    if (backing.empty()) continue;
    struct stat bst {};
    if (stat(backing.c_str(), &bst) == 0 && bst.st_dev == st.st_dev && bst.st_ino == st.st_ino)
      out.push_back("/dev/" + name);
  }
  return out;
}

std::uint64_t discard_max_bytes(dev_t rdev) {
  // Partitions have no queue of their own; theirs is the disk's.
  std::error_code ec;
  fs::path dir = fs::canonical(sysfs_dir(rdev), ec);
  if (ec) return 0;
  if (!fs::exists(dir / "queue", ec)) dir = dir.parent_path();
  const std::string v = read_line(dir / "queue" / "discard_max_bytes");
  return v.empty() ? 0 : std::strtoull(v.c_str(), nullptr, 10);
}

const char* kind_name(mode_t m) {
  if (S_ISCHR(m)) return "character device";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  return "special file";
}

}  // namespace

DeviceFacts inspect_device(const std::string& path, bool probe_exclusive) {
  DeviceFacts f;
  f.path = path;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    f.kind = PathKind::missing;
    f.stat_errno = errno;
    return f;
  }
  if (S_ISREG(st.st_mode)) {
    f.kind = PathKind::regular;
    f.size_bytes = static_cast<std::uint64_t>(st.st_size);
    f.holders = loops_backed_by(st);
    return f;
  }
  if (S_ISDIR(st.st_mode)) {
    f.kind = PathKind::directory;
    return f;
  }
  if (!S_ISBLK(st.st_mode)) {
    f.kind = PathKind::other;
    f.kind_name = kind_name(st.st_mode);
    return f;
  }
  f.kind = PathKind::block;
  f.stack = stack_of(st.st_rdev);
  const auto devs = device_and_partitions(st.st_rdev);
  f.mountpoints = mountpoints_of(devs);
  f.holders = holders_of(devs);
  // Size from sysfs (512-byte sectors): readable even while md holds the device.
  std::ifstream size_file(sysfs_dir(st.st_rdev) / "size");
  std::uint64_t sectors = 0;
  if (size_file >> sectors) f.size_bytes = sectors * 512;
  f.discard_max_bytes = discard_max_bytes(st.st_rdev);
  if (probe_exclusive) {
    const int fd = open(path.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
    if (fd < 0)
      f.busy = errno == EBUSY;
    else
      close(fd);
  }
  return f;
}

}  // namespace netraid::common
