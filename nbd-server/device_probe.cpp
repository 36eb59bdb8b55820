#include "device_probe.hpp"

#include <fcntl.h>
#include <libmount.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

namespace netraid::server {

namespace fs = std::filesystem;

namespace {

std::string sysfs_dir(dev_t d) {
  return "/sys/dev/block/" + std::to_string(major(d)) + ":" + std::to_string(minor(d));
}

std::string read_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
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
  std::error_code ec;
  for (dev_t d : devs)
    for (const auto& e : fs::directory_iterator(sysfs_dir(d) + "/holders", ec))
      out.push_back(e.path().filename().string());
  return out;
}

// Loop devices whose backing file is this file (same inode).
std::vector<std::string> loops_backed_by(const struct stat& st) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::string backing = read_line(e.path() / "loop" / "backing_file");
    if (backing.empty()) continue;
    struct stat bst {};
    if (stat(backing.c_str(), &bst) == 0 && bst.st_dev == st.st_dev && bst.st_ino == st.st_ino)
      out.push_back("/dev/" + name);
  }
  return out;
}

const char* kind_name(mode_t m) {
  if (S_ISCHR(m)) return "character device";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  return "special file";
}

}  // namespace

Probe probe_and_open(const PluginConfig& cfg) {
  Probe p;
  DeviceFacts& f = p.facts;
  struct stat st {};
  if (stat(cfg.dev.c_str(), &st) != 0) {
    f.kind = Kind::missing;
    f.stat_errno = errno;
    return p;
  }
  if (S_ISBLK(st.st_mode)) {
    f.kind = Kind::block;
    p.rdev = st.st_rdev;
  } else if (S_ISREG(st.st_mode)) {
    f.kind = Kind::regular;
  } else if (S_ISDIR(st.st_mode)) {
    f.kind = Kind::directory;
  } else {
    f.kind = Kind::other;
    f.kind_name = kind_name(st.st_mode);
  }
  if (f.kind == Kind::block) {
    const auto devs = device_and_partitions(p.rdev);
    f.mountpoints = mountpoints_of(devs);
    f.holders = holders_of(devs);
  } else if (f.kind == Kind::regular) {
    f.holders = loops_backed_by(st);
  }
  if (!may_open(cfg, f)) return p;

  // O_EXCL on a block device claims it: the kernel then refuses mounts, md and
  // dm for as long as we serve (for regular files O_EXCL has no meaning).
  int flags = (cfg.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  if (f.kind == Kind::block) flags |= O_EXCL;
  if (cfg.direct) flags |= O_DIRECT;
  f.opened = true;
  p.fd = open(cfg.dev.c_str(), flags);
  if (p.fd < 0) {
    f.open_errno = errno;
    return p;
  }
  if (f.kind == Kind::block) {
    int ro = 0;
    if (ioctl(p.fd, BLKROGET, &ro) == 0) f.read_only = ro != 0;
    uint64_t bytes = 0;
    if (ioctl(p.fd, BLKGETSIZE64, &bytes) == 0) f.size = bytes;
    int lbs = 0;
    if (ioctl(p.fd, BLKSSZGET, &lbs) == 0 && lbs > 0) p.logical_block = static_cast<unsigned>(lbs);
  } else {
    struct stat fst {};
    if (fstat(p.fd, &fst) == 0) f.size = static_cast<uint64_t>(fst.st_size);
    // Files: O_DIRECT alignment is the filesystem block, at most a page.
    p.logical_block = 4096;
  }
  return p;
}

uint64_t discard_max_bytes(dev_t rdev) {
  // Partitions have no queue of their own; theirs is the parent's.
  std::error_code ec;
  fs::path dir = fs::canonical(sysfs_dir(rdev), ec);
  if (ec) return 0;
  if (!fs::exists(dir / "queue")) dir = dir.parent_path();
  const std::string v = read_line(dir / "queue" / "discard_max_bytes");
  return v.empty() ? 0 : std::strtoull(v.c_str(), nullptr, 10);
}

}  // namespace netraid::server
