// SPDX-License-Identifier: GPL-2.0-or-later
// nbdkit-netraid-plugin: serves one mirror target disk (block device or
// regular file) under the mirror's tag. Shape follows nbdkit's file plugin;
// the safety decisions live in plugin_config.cpp, the probing in
// device_probe.cpp.
#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "device_probe.hpp"
#include "plugin_config.hpp"

// Every connection shares one fd (pread/pwrite are thread-safe), which is
// also why a flush on one connection covers all of them (multi-conn).
#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL

namespace {

using namespace netraid::server;

struct Server {
  PluginConfig cfg;
  int fd = -1;            // O_EXCL, and O_DIRECT in direct mode
  int fd_buffered = -1;   // direct mode: for requests O_DIRECT cannot take
  bool is_block = false;
  uint64_t size = 0;
  unsigned align = 1;     // direct mode alignment
  bool can_trim = false;
  std::atomic<bool> dsync_works{true};   // pwritev2(RWF_DSYNC) accepted so far
  std::atomic<bool> punch_works{true};
  std::atomic<bool> zero_range_works{true};
} server;

int marker_handle;  // open() must return non-NULL; all state is global

int netraid_config(const char* key, const char* value) {
  const std::string err = apply_key(server.cfg, key, value);
  if (!err.empty()) {
    nbdkit_error("%s", err.c_str());
    return -1;
  }
  return 0;
}

int netraid_config_complete() {
  const std::string err = check_complete(server.cfg);
  if (!err.empty()) {
    nbdkit_error("%s", err.c_str());
    return -1;
  }
  return 0;
}

// Runs before nbdkit serves or forks: a refusal here makes nbdkit exit
// non-zero with our one-line message.
int netraid_get_ready() {
  Probe p = probe_and_open(server.cfg);
  const std::string err = refusal(server.cfg, p.facts);
  if (!err.empty()) {
    if (p.fd >= 0) close(p.fd);
    nbdkit_error("%s", err.c_str());
    return -1;
  }
  server.fd = p.fd;
  server.size = p.facts.size_bytes;
  server.is_block = p.facts.kind == Kind::block;
  if (server.cfg.direct) {
    server.align = p.logical_block;
    server.fd_buffered = open(server.cfg.dev.c_str(), (server.cfg.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (server.fd_buffered < 0) {
      nbdkit_error("dev=%s: open (buffered): %m: check the device", server.cfg.dev.c_str());
      return -1;
    }
  }
  if (server.is_block) {
    server.can_trim = block_can_trim(p.facts.discard_max_bytes);
  } else {
    // Punching beyond EOF with KEEP_SIZE changes nothing but tells whether
    // the filesystem can punch holes at all.
    server.can_trim = fallocate(server.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                static_cast<off_t>(server.size), 4096) == 0;
  }
  nbdkit_debug("netraid: dev=%s size=%llu block=%d direct=%d can_trim=%d", server.cfg.dev.c_str(),
               static_cast<unsigned long long>(server.size), server.is_block, server.cfg.direct,
               server.can_trim);
  return 0;
}

void netraid_unload() {
  if (server.fd >= 0) close(server.fd);
  if (server.fd_buffered >= 0) close(server.fd_buffered);
}

// Only with allow=/deny=all (when the stock ip filter cannot parse addresses).
int netraid_preconnect(int) {
  if (!server.cfg.deny_all) return 0;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  std::string peer;
  if (nbdkit_peer_name(reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
    else if (ss.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
    peer = buf;
  }
  if (!peer_allowed(server.cfg, peer)) {
    nbdkit_error("client %s not permitted to connect: not in allow=", peer.empty() ? "(non-IP)" : peer.c_str());
    errno = EPERM;
    return -1;
  }
  return 0;
}

int netraid_list_exports(int, int, struct nbdkit_exports* exports) {
  return nbdkit_add_export(exports, server.cfg.tag.c_str(), nullptr);
}

void* netraid_open(int) {
  const char* name = nbdkit_export_name();
  if (!name || !export_allowed(server.cfg, name)) {
    nbdkit_error("export '%s' refused: this server only serves export '%s'", name ? name : "",
                 server.cfg.tag.c_str());
    errno = ENOENT;
    return nullptr;
  }
  return &marker_handle;
}

// Asked once per connection (nbdkit keeps the answer for that connection):
// the device's size now, so a disk grown under the running server (lvextend,
// then `netraid resize` on the source) is served whole to the next
// connection without restarting nbdkit.
int64_t netraid_get_size(void*) {
  uint64_t bytes = 0;
  if (server.is_block) {
    if (ioctl(server.fd, BLKGETSIZE64, &bytes) != 0) bytes = server.size;
  } else {
    struct stat st {};
    bytes = fstat(server.fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : server.size;
  }
  if (bytes != server.size)
    nbdkit_debug("netraid: dev=%s is now %llu bytes (was %llu)", server.cfg.dev.c_str(),
                 static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(server.size));
  return static_cast<int64_t>(bytes);
}
int netraid_can_write(void*) { return server.cfg.readonly ? 0 : 1; }
int netraid_can_flush(void*) { return 1; }
int netraid_can_fua(void*) { return NBDKIT_FUA_NATIVE; }
int netraid_can_multi_conn(void*) { return 1; }
int netraid_can_trim(void*) { return server.can_trim ? 1 : 0; }
int netraid_can_zero(void*) { return 1; }
int netraid_can_fast_zero(void*) { return 1; }

int netraid_block_size(void*, uint32_t* minimum, uint32_t* preferred, uint32_t* maximum) {
  // Any request is honoured (unaligned ones via the buffered fd in direct mode).
  *minimum = 1;
  *preferred = server.align > 4096 ? server.align : 4096;
  *maximum = 0xffffffff;
  return 0;
}

// Buffer for direct-mode requests whose memory nbdkit did not align.
struct Bounce {
  void* p = nullptr;
  size_t len = 0;
  ~Bounce() { std::free(p); }
  void* get(size_t want, size_t align) {
    if (len < want) {
      std::free(p);
      p = nullptr;
      len = 0;
      if (posix_memalign(&p, align, want) != 0) return nullptr;
      len = want;
    }
    return p;
  }
};
thread_local Bounce bounce;

// Which fd and buffer a request goes through.
int pick_fd(uint64_t offset, uint32_t count) {
  if (!server.cfg.direct) return server.fd;
  return (offset % server.align == 0 && count % server.align == 0) ? server.fd : server.fd_buffered;
}

int read_full(int fd, char* buf, uint32_t count, uint64_t offset) {
  while (count > 0) {
    const ssize_t r = pread(fd, buf, count, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      nbdkit_error("pread: %m");
      return -1;
    }
    if (r == 0) {
      nbdkit_error("pread: unexpected end of file");
      errno = EIO;
      return -1;
    }
    buf += r;
    count -= static_cast<uint32_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return 0;
}

int netraid_pread(void*, void* buf, uint32_t count, uint64_t offset, uint32_t) {
  const int fd = pick_fd(offset, count);
  if (fd == server.fd && server.cfg.direct && !is_aligned(0, 0, buf, server.align)) {
    void* b = bounce.get(count, server.align);
    if (!b) {
      errno = ENOMEM;
      nbdkit_error("pread: bounce buffer: %m");
      return -1;
    }
    if (read_full(fd, static_cast<char*>(b), count, offset) == -1) return -1;
    std::memcpy(buf, b, count);
    return 0;
  }
  return read_full(fd, static_cast<char*>(buf), count, offset);
}

int netraid_flush(void*, uint32_t) {
  // fdatasync on a block device also flushes its volatile write cache.
  if (fdatasync(server.fd) == -1) {
    nbdkit_error("fdatasync: %m");
    return -1;
  }
  return 0;
}

int write_full(int fd, const char* buf, uint32_t count, uint64_t offset, bool fua) {
  // FUA natively: RWF_DSYNC makes this one write durable without a separate
  // fdatasync; if the kernel refuses the flag we fall back to write+fdatasync.
  bool dsync = fua && server.dsync_works.load(std::memory_order_relaxed);
  while (count > 0) {
    ssize_t r;
    if (dsync) {
      iovec iov{const_cast<char*>(buf), count};
      r = pwritev2(fd, &iov, 1, static_cast<off_t>(offset), RWF_DSYNC);
      if (r < 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
        server.dsync_works = false;
        dsync = false;
        continue;
      }
    } else {
      r = pwrite(fd, buf, count, static_cast<off_t>(offset));
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      nbdkit_error("pwrite: %m");
      return -1;
    }
    buf += r;
    count -= static_cast<uint32_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  if (fua && !dsync) return netraid_flush(nullptr, 0);
  return 0;
}

int netraid_pwrite(void*, const void* buf, uint32_t count, uint64_t offset, uint32_t flags) {
  const bool fua = flags & NBDKIT_FLAG_FUA;
  const int fd = pick_fd(offset, count);
  if (fd == server.fd && server.cfg.direct && !is_aligned(0, 0, buf, server.align)) {
    void* b = bounce.get(count, server.align);
    if (!b) {
      errno = ENOMEM;
      nbdkit_error("pwrite: bounce buffer: %m");
      return -1;
    }
    std::memcpy(b, buf, count);
    return write_full(fd, static_cast<const char*>(b), count, offset, fua);
  }
  return write_full(fd, static_cast<const char*>(buf), count, offset, fua);
}

bool unsupported(int err) { return err == EOPNOTSUPP || err == ENOTSUP || err == ENOSYS; }

int finish(uint32_t flags) {
  return (flags & NBDKIT_FLAG_FUA) ? netraid_flush(nullptr, 0) : 0;
}

int netraid_trim(void*, uint32_t count, uint64_t offset, uint32_t flags) {
  if (server.is_block) {
    uint64_t range[2] = {offset, count};
    if (ioctl(server.fd, BLKDISCARD, range) == -1) {
      nbdkit_error("ioctl BLKDISCARD: %m");
      return -1;
    }
  } else if (fallocate(server.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                       static_cast<off_t>(count)) == -1) {
    nbdkit_error("fallocate punch hole: %m");
    return -1;
  }
  return finish(flags);
}

int netraid_zero(void*, uint32_t count, uint64_t offset, uint32_t flags) {
  const bool may_trim = flags & NBDKIT_FLAG_MAY_TRIM;
  const bool fast = flags & NBDKIT_FLAG_FAST_ZERO;
  const auto off = static_cast<off_t>(offset);
  const auto len = static_cast<off_t>(count);
  if (server.is_block) {
    // On a block device PUNCH_HOLE is "zero without falling back to writes":
    // exactly the fast zero. BLKZEROOUT may write zeros in the kernel.
    if ((may_trim || fast) && server.punch_works) {
      if (fallocate(server.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) == 0) return finish(flags);
      if (!unsupported(errno) && errno != EINVAL) {
        nbdkit_error("fallocate punch hole: %m");
        return -1;
      }
      if (unsupported(errno)) server.punch_works = false;
    }
    if (!fast && offset % 512 == 0 && count % 512 == 0) {
      uint64_t range[2] = {offset, count};
      if (ioctl(server.fd, BLKZEROOUT, range) == 0) return finish(flags);
      if (!unsupported(errno)) {
        nbdkit_error("ioctl BLKZEROOUT: %m");
        return -1;
      }
    }
  } else {
    if (may_trim && server.can_trim && server.punch_works) {
      if (fallocate(server.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) == 0) return finish(flags);
      if (!unsupported(errno)) {
        nbdkit_error("fallocate punch hole: %m");
        return -1;
      }
      server.punch_works = false;
    }
    if (server.zero_range_works) {
      if (fallocate(server.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len) == 0) return finish(flags);
      if (!unsupported(errno)) {
        nbdkit_error("fallocate zero range: %m");
        return -1;
      }
      server.zero_range_works = false;
    }
  }
  // nbdkit writes zeros itself on EOPNOTSUPP; a fast zero must fail with ENOTSUP.
  errno = fast ? ENOTSUP : EOPNOTSUPP;
  return -1;
}

nbdkit_plugin create_plugin() {
  nbdkit_plugin p{};
  p.name = "netraid";
  p.longname = "netraid mirror target";
  p.version = NETRAID_VERSION;
  p.description = "Serves a netraid mirror's target disk under the mirror's tag";
  p.unload = netraid_unload;
  p.config = netraid_config;
  p.config_complete = netraid_config_complete;
  p.config_help =
      "dev=<PATH>      (required) Block device or regular file to serve.\n"
      "tag=<TAG>       (required) Mirror tag: the only export name served.\n"
      "size=<SIZE>     Refuse to start if the device is smaller than SIZE.\n"
      "direct=<BOOL>   Use O_DIRECT (default false).\n"
      "readonly=<BOOL> No writes wanted: a read-only device is accepted.\n"
      "allow=<ADDR>[,<ADDR>...] With deny=all: only these sources connect.\n"
      "deny=all        Refuse every source not in allow= (prefer --filter=ip).";
  p.magic_config_key = "dev";
  p.get_ready = netraid_get_ready;
  p.preconnect = netraid_preconnect;
  p.list_exports = netraid_list_exports;
  // No default_export: nbdkit would map the empty name to it, and a client
  // that names no export must be refused like any other wrong name.
  p.open = netraid_open;
  p.get_size = netraid_get_size;
  p.can_write = netraid_can_write;
  p.can_flush = netraid_can_flush;
  p.can_fua = netraid_can_fua;
  p.can_multi_conn = netraid_can_multi_conn;
  p.can_trim = netraid_can_trim;
  p.can_zero = netraid_can_zero;
  p.can_fast_zero = netraid_can_fast_zero;
  p.block_size = netraid_block_size;
  p.pread = netraid_pread;
  p.pwrite = netraid_pwrite;
  p.flush = netraid_flush;
  p.trim = netraid_trim;
  p.zero = netraid_zero;
  p.errno_is_preserved = 1;
  return p;
}

nbdkit_plugin plugin = create_plugin();

}  // namespace

NBDKIT_REGISTER_PLUGIN(plugin)
