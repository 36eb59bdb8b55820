// SPDX-License-Identifier: GPL-2.0-or-later
// nrload: the verifying write load of the fault campaign (tests/campaign).
//
//   nrload write --dev PATH --seed S --blocks N --log ACKLOG [--mode direct|fsync]
//                [--pause-ms MS] [--count M]
//   nrload check --dev PATH --seed S --blocks N --log ACKLOG [--offset BYTES] [--map FILE] [--flip-acked]
//
// write: writes numbered 4 KiB blocks into the first N blocks of PATH, one at
// a time. Write number `seq` (1, 2, ...) goes to block block_of(seed, seq),
// so the whole sequence follows from the seed. Each block carries a header
// (magic, seed, block, seq, checksum) and a filling derived from (seed, seq).
// A write is acknowledged when pwrite returned on PATH opened O_DIRECT|O_DSYNC
// (mode direct: the raw md device) or when pwrite + fdatasync returned
// (mode fsync: a file in ext4 on the mirror). Only then is "seq block" appended
// to ACKLOG and fdatasync'd (the log lives on the host, through hostfs: after
// fdatasync it survives the node's crash), and only then is the next write
// issued. So at any time at most one write (the one after the last logged) is
// in flight. A writer started again continues with the write after the last
// one logged (the same seq, the same block, the same bytes as the write that
// may have been in flight). SIGTERM/SIGINT: stops after the current write is
// logged. Exits 0 when stopped or after --count writes, 1 on an I/O error
// (the failing write is not logged: it was not acknowledged).
//
// check: reads the first N blocks of PATH (from byte --offset: a leg's data
// offset in a disk image) and checks every block against ACKLOG: a block
// holds the last acknowledged write to it, or (only the block of the write
// after the last acknowledged one) that in-flight write. Anything else is
// --map FILE: the writer wrote a file in a filesystem; FILE lists where its
// bytes are on PATH, one extent a line: "FILE_OFFSET DEVICE_OFFSET LENGTH" in
// bytes (DEVICE_OFFSET from --offset on; from `filefrag -v`). Extents need not
// be 4 KiB aligned: a block is read piece by piece.
// reported on stdout, one line per block: "LOST block B: expected seq A ...,
// found ...". Prints a summary line and exits 0 (every acknowledged write
// there), 1 (some lost), 2 (usage or I/O error). --flip-acked: the checker's
// self-test: before checking, rewrite one acknowledged block of PATH with the
// write before it (an older seq) — the checker must then report exactly it.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr size_t kBlock = 4096;
constexpr uint64_t kMagic = 0x31504d4143524e4eULL;  // "NNRCAMP1"

struct Header {
  uint64_t magic, seed, block, seq, sum;
};

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
uint64_t block_of(uint64_t seed, uint64_t seq, uint64_t blocks) { return splitmix(seed * 0x100000001b3ULL ^ seq) % blocks; }

uint64_t fnv(const unsigned char* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

// The bytes of write `seq`: header, then a filling from (seed, seq).
void fill(unsigned char* buf, uint64_t seed, uint64_t seq, uint64_t blocks) {
  uint64_t x = splitmix(seed ^ (seq << 20));
  for (size_t i = sizeof(Header); i + 8 <= kBlock; i += 8) {
    x = splitmix(x);
    std::memcpy(buf + i, &x, 8);
  }
  Header h{kMagic, seed, block_of(seed, seq, blocks), seq, 0};
  std::memcpy(buf, &h, sizeof h);
  h.sum = fnv(buf, kBlock);
  std::memcpy(buf, &h, sizeof h);
}

// What a block read back holds: seq of a valid block of this seed and
// position, 0 for a block never written by this seed (zeros, anything
// without our magic, a block of another seed), -1 for a block of this seed
// that is damaged or belongs elsewhere (torn, wrong position, bad checksum).
int64_t decode(const unsigned char* buf, uint64_t seed, uint64_t block, std::string* why) {
  Header h;
  std::memcpy(&h, buf, sizeof h);
  if (h.magic != kMagic) return 0;
  if (h.seed != seed) return 0;  // another run's block (an earlier epoch of the campaign)
  if (h.block != block) {
    *why = "header of block " + std::to_string(h.block);
    return -1;
  }
  std::vector<unsigned char> copy(buf, buf + kBlock);
  Header z = h;
  z.sum = 0;
  std::memcpy(copy.data(), &z, sizeof z);
  if (fnv(copy.data(), kBlock) != h.sum) {
    *why = "bad checksum (seq " + std::to_string(h.seq) + " in header)";
    return -1;
  }
  return static_cast<int64_t>(h.seq);
}

struct Args {
  std::string cmd, dev, log, mode = "direct", map;
  uint64_t seed = 0, blocks = 0, offset = 0, count = 0, pause_ms = 0;
  bool flip = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "nrload: %s\nusage: nrload write|check --dev PATH --seed S --blocks N --log ACKLOG [--mode direct|fsync] [--pause-ms MS] [--count M] [--offset BYTES] [--map FILE] [--flip-acked]\n", why);
  std::exit(2);
}

uint64_t number(const char* s, const char* what) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno || !end || *end || end == s) usage((std::string("bad number for ") + what).c_str());
  return v;
}

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) usage("no command");
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    auto val = [&]() -> const char* {
      if (i + 1 >= argc) usage((k + " needs a value").c_str());
      return argv[++i];
    };
    if (k == "--dev") a.dev = val();
    else if (k == "--log") a.log = val();
    else if (k == "--mode") a.mode = val();
    else if (k == "--seed") a.seed = number(val(), "--seed");
    else if (k == "--blocks") a.blocks = number(val(), "--blocks");
    else if (k == "--offset") a.offset = number(val(), "--offset");
    else if (k == "--count") a.count = number(val(), "--count");
    else if (k == "--pause-ms") a.pause_ms = number(val(), "--pause-ms");
    else if (k == "--map") a.map = val();
    else if (k == "--flip-acked") a.flip = true;
    else usage(("unknown option " + k).c_str());
  }
  if (a.cmd != "write" && a.cmd != "check") usage("command is write or check");
  if (a.dev.empty() || a.log.empty() || a.blocks == 0) usage("--dev, --log and --blocks are required");
  if (a.mode != "direct" && a.mode != "fsync") usage("--mode is direct or fsync");
  return a;
}

// Acknowledged writes in the log, in order; a torn last line (the writer
// died while appending it) is not an acknowledgement.
std::vector<std::pair<uint64_t, uint64_t>> read_log(const std::string& path) {
  std::vector<std::pair<uint64_t, uint64_t>> acks;
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return acks;
  char line[128];
  while (std::fgets(line, sizeof line, f)) {
    size_t n = std::strlen(line);
    if (n == 0 || line[n - 1] != '\n') break;
    unsigned long long seq, block;
    if (std::sscanf(line, "%llu %llu", &seq, &block) != 2) break;
    acks.emplace_back(seq, block);
  }
  std::fclose(f);
  return acks;
}

struct Extent {
  uint64_t file_off, dev_off, len;
};

// The extents of --map, sorted by file offset; exits 2 on a malformed line.
std::vector<Extent> read_map(const std::string& path) {
  std::vector<Extent> map;
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    std::fprintf(stderr, "nrload: open %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(2);
  }
  unsigned long long fo, dof, len;
  int n;
  while ((n = std::fscanf(f, "%llu %llu %llu", &fo, &dof, &len)) == 3) map.push_back({fo, dof, len});
  const bool bad = n != EOF;
  std::fclose(f);
  if (bad || map.empty()) {
    std::fprintf(stderr, "nrload: %s: not a list of \"FILE_OFFSET DEVICE_OFFSET LENGTH\" lines\n", path.c_str());
    std::exit(2);
  }
  std::sort(map.begin(), map.end(), [](const Extent& x, const Extent& y) { return x.file_off < y.file_off; });
  return map;
}

// Reads (or writes) 4 KiB block `b` of the written area: at --offset + b*4096
// on the device, or through the extents of --map. False on a short transfer
// or a byte the map does not place.
bool block_io(int fd, unsigned char* buf, uint64_t b, uint64_t offset, const std::vector<Extent>& map, bool write) {
  uint64_t pos = b * kBlock, done = 0;
  while (done < kBlock) {
    uint64_t dev, len;
    if (map.empty()) {
      dev = offset + pos;
      len = kBlock - done;
    } else {
      auto it = std::upper_bound(map.begin(), map.end(), pos, [](uint64_t p, const Extent& e) { return p < e.file_off; });
      if (it == map.begin() || pos >= std::prev(it)->file_off + std::prev(it)->len) return false;
      const auto& e = *std::prev(it);
      dev = offset + e.dev_off + (pos - e.file_off);
      len = std::min<uint64_t>(kBlock - done, e.file_off + e.len - pos);
    }
    const ssize_t r = write ? ::pwrite(fd, buf + done, len, static_cast<off_t>(dev))
                            : ::pread(fd, buf + done, len, static_cast<off_t>(dev));
    if (r != static_cast<ssize_t>(len)) return false;
    done += len;
    pos += len;
  }
  return true;
}

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int do_write(const Args& a) {
  auto acks = read_log(a.log);
  uint64_t seq = acks.empty() ? 1 : acks.back().first + 1;
  for (size_t i = 0; i < acks.size(); ++i)
    if (acks[i].first != i + 1 || acks[i].second != block_of(a.seed, acks[i].first, a.blocks)) {
      std::fprintf(stderr, "nrload: %s line %zu is not write %zu of seed %llu: a log of another run?\n", a.log.c_str(), i + 1,
                   i + 1, static_cast<unsigned long long>(a.seed));
      return 2;
    }
  int flags = O_WRONLY | O_CLOEXEC | (a.mode == "direct" ? (O_DIRECT | O_DSYNC) : 0);
  int fd = ::open(a.dev.c_str(), flags);
  if (fd < 0) {
    std::fprintf(stderr, "nrload: open %s: %s\n", a.dev.c_str(), std::strerror(errno));
    return 1;
  }
  int log = ::open(a.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log < 0) {
    std::fprintf(stderr, "nrload: open %s: %s\n", a.log.c_str(), std::strerror(errno));
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  void* mem = nullptr;
  if (posix_memalign(&mem, kBlock, kBlock)) return 2;
  auto* buf = static_cast<unsigned char*>(mem);
  uint64_t done = 0;
  std::fprintf(stderr, "nrload: writing from seq %llu on %s (%s)\n", static_cast<unsigned long long>(seq), a.dev.c_str(),
               a.mode.c_str());
  while (!g_stop && (a.count == 0 || done < a.count)) {
    const uint64_t block = block_of(a.seed, seq, a.blocks);
    fill(buf, a.seed, seq, a.blocks);
    ssize_t w = ::pwrite(fd, buf, kBlock, static_cast<off_t>(block * kBlock));
    if (w != static_cast<ssize_t>(kBlock) || (a.mode == "fsync" && ::fdatasync(fd) != 0)) {
      std::fprintf(stderr, "nrload: write %llu (block %llu) failed: %s: not acknowledged\n",
                   static_cast<unsigned long long>(seq), static_cast<unsigned long long>(block),
                   w < 0 ? std::strerror(errno) : "short write or fdatasync");
      return 1;
    }
    char rec[64];
    int n = std::snprintf(rec, sizeof rec, "%llu %llu\n", static_cast<unsigned long long>(seq),
                          static_cast<unsigned long long>(block));
    if (::write(log, rec, n) != n || ::fdatasync(log) != 0) {
      std::fprintf(stderr, "nrload: ack log %s: %s\n", a.log.c_str(), std::strerror(errno));
      return 2;
    }
    ++seq;
    ++done;
    if (a.pause_ms) ::usleep(static_cast<useconds_t>(a.pause_ms * 1000));
  }
  std::fprintf(stderr, "nrload: stopped after %llu writes, last acknowledged seq %llu\n",
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(seq - 1));
  return 0;
}

int do_check(const Args& a) {
  auto acks = read_log(a.log);
  std::map<uint64_t, uint64_t> last;  // block -> last acknowledged seq
  for (auto& [seq, block] : acks) last[block] = seq;
  const uint64_t last_seq = acks.empty() ? 0 : acks.back().first;
  const uint64_t inflight_seq = last_seq + 1;
  const uint64_t inflight_block = block_of(a.seed, inflight_seq, a.blocks);
  int fd = ::open(a.dev.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) fd = ::open(a.dev.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "nrload: open %s: %s\n", a.dev.c_str(), std::strerror(errno));
    return 2;
  }
  std::vector<unsigned char> buf(kBlock);
  const auto map = a.map.empty() ? std::vector<Extent>{} : read_map(a.map);
  if (a.flip) {
    // Self-test: the block of the latest acknowledged write that has an
    // older acknowledged write before it goes back to that older one.
    for (auto it = acks.rbegin(); it != acks.rend(); ++it) {
      uint64_t older = 0;
      for (auto jt = it + 1; jt != acks.rend(); ++jt)
        if (jt->second == it->second) { older = jt->first; break; }
      if (!older) continue;
      fill(buf.data(), a.seed, older, a.blocks);
      if (!block_io(fd, buf.data(), it->second, a.offset, map, true) || ::fsync(fd) != 0) {
        std::fprintf(stderr, "nrload: flip: %s\n", std::strerror(errno));
        return 2;
      }
      std::printf("FLIPPED block %llu: acknowledged seq %llu replaced by the older seq %llu\n",
                  static_cast<unsigned long long>(it->second), static_cast<unsigned long long>(it->first),
                  static_cast<unsigned long long>(older));
      break;
    }
  }
  uint64_t lost = 0, checked = 0, inflight_seen = 0;
  for (uint64_t b = 0; b < a.blocks; ++b) {
    errno = 0;
    if (!block_io(fd, buf.data(), b, a.offset, map, false)) {
      std::fprintf(stderr, "nrload: read block %llu of %s: %s\n", static_cast<unsigned long long>(b), a.dev.c_str(),
                   errno ? std::strerror(errno) : "short read, or a byte --map does not place");
      return 2;
    }
    std::string why;
    int64_t got = decode(buf.data(), a.seed, b, &why);
    auto it = last.find(b);
    const uint64_t want = it == last.end() ? 0 : it->second;
    const bool may_be_inflight = b == inflight_block && got == static_cast<int64_t>(inflight_seq);
    if (may_be_inflight) ++inflight_seen;
    if (want) ++checked;
    if (got == static_cast<int64_t>(want) || may_be_inflight) continue;
    ++lost;
    if (lost <= 20)
      std::printf("LOST block %llu: expected seq %llu%s, found %s\n", static_cast<unsigned long long>(b),
                  static_cast<unsigned long long>(want),
                  b == inflight_block ? (" or the in-flight " + std::to_string(inflight_seq)).c_str() : "",
                  got < 0 ? why.c_str() : got == 0 ? "no write of this run" : ("seq " + std::to_string(got)).c_str());
  }
  if (inflight_seen)
    std::printf("in-flight write: seq %llu in block %llu\n", static_cast<unsigned long long>(inflight_seq),
                static_cast<unsigned long long>(inflight_block));
  std::printf("checked %llu blocks holding %llu acknowledged writes (last seq %llu): %llu lost%s\n",
              static_cast<unsigned long long>(checked), static_cast<unsigned long long>(acks.size()),
              static_cast<unsigned long long>(last_seq), static_cast<unsigned long long>(lost),
              inflight_seen ? ", the in-flight write is there" : "");
  return lost ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  return a.cmd == "write" ? do_write(a) : do_check(a);
}
