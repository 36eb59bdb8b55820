// SPDX-License-Identifier: GPL-2.0-or-later
// 4 KiB random writes with FUA over libnbd, one at a time, for a fixed time:
// fio's nbd engine has no FUA flag. Prints "IOPS". Benchmark only.
#include <libnbd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fua_writes URI SECONDS\n");
    return 2;
  }
  nbd_handle* h = nbd_create();
  if (!h || nbd_connect_uri(h, argv[1]) == -1) {
    std::fprintf(stderr, "fua_writes: %s\n", nbd_get_error());
    return 1;
  }
  const int64_t size = nbd_get_size(h);
  const uint64_t blocks = static_cast<uint64_t>(size) / 4096;
  std::vector<char> buf(4096, 'f');
  std::mt19937_64 rng(42);
  const auto stop = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[2]));
  uint64_t ops = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < stop) {
    buf[0] = static_cast<char>(ops);
    if (nbd_pwrite(h, buf.data(), buf.size(), (rng() % blocks) * 4096, LIBNBD_CMD_FLAG_FUA) == -1) {
      std::fprintf(stderr, "fua_writes: %s\n", nbd_get_error());
      return 1;
    }
    ++ops;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.0f\n", static_cast<double>(ops) / secs);
  nbd_shutdown(h, 0);
  nbd_close(h);
  return 0;
}
