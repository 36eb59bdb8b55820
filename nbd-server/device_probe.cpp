// SPDX-License-Identifier: GPL-2.0-or-later
#include "device_probe.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace netraid::server {

Probe probe_and_open(const PluginConfig& cfg) {
  Probe p;
  DeviceFacts& f = p.facts;
  // What stands on, under and in the device: the checks a mirror's local leg
  // gets too. The O_EXCL open below is the exclusive probe, so none here.
  static_cast<common::DeviceFacts&>(f) = common::inspect_device(cfg.dev, false);
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
    f.busy = f.open_errno == EBUSY;
    return p;
  }
  if (f.kind == Kind::block) {
    int ro = 0;
    if (ioctl(p.fd, BLKROGET, &ro) == 0) f.read_only = ro != 0;
    uint64_t bytes = 0;
    if (ioctl(p.fd, BLKGETSIZE64, &bytes) == 0) f.size_bytes = bytes;
    int lbs = 0;
    if (ioctl(p.fd, BLKSSZGET, &lbs) == 0 && lbs > 0) p.logical_block = static_cast<unsigned>(lbs);
  } else {
    // A file has no O_EXCL: an advisory lock, held as long as this open file
    // (and the daemon's inherited copy of it) lives, keeps a second server off.
    if (flock(p.fd, LOCK_EX | LOCK_NB) != 0) {
      f.locked_elsewhere = errno == EWOULDBLOCK;
      if (!f.locked_elsewhere) f.open_errno = errno;
      close(p.fd);
      p.fd = -1;
      return p;
    }
    struct stat fst {};
    if (fstat(p.fd, &fst) == 0) f.size_bytes = static_cast<uint64_t>(fst.st_size);
    // Files: O_DIRECT alignment is the filesystem block, at most a page.
    p.logical_block = 4096;
  }
  return p;
}

}  // namespace netraid::server
