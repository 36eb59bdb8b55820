// SPDX-License-Identifier: GPL-2.0-or-later
// Bounded reads: whatever sits at the path, the call returns at once.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "netraid/common/file_error.hpp"
#include "netraid/common/small_file.hpp"
#include "temp_dir.hpp"

using namespace netraid::common;

TEST_CASE("small file: content, or nullopt when absent") {
  TempDir tmp;
  put(tmp.path / "f", "n1\n");
  CHECK(read_small_file((tmp.path / "f").string()) == "n1\n");
  put(tmp.path / "empty", "");
  CHECK(read_small_file((tmp.path / "empty").string()) == "");
  CHECK_FALSE(read_small_file((tmp.path / "absent").string()).has_value());
  CHECK(read_small_file("/proc/self/stat").has_value());  // kernel files: regular, size 0
}

TEST_CASE("small file: errors-a FIFO is refused at once, naming it and what to do") {
  TempDir tmp;
  const auto fifo = (tmp.path / "datarep.json").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH_AS(read_small_file(fifo, "config"),
                       ("config " + fifo + " is a FIFO, not a regular file: move it away, then retry").c_str(),
                       FileError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("small file: errors-symlinks, directories, devices and sockets are refused") {
  TempDir tmp;
  put(tmp.path / "real", "n1\n");
  fs::create_symlink(tmp.path / "real", tmp.path / "link");
  const auto link_error = "pid file " + (tmp.path / "link").string() +
                          " is a symbolic link: netraid does not follow links here; put the file itself there";
  CHECK_THROWS_WITH_AS(read_small_file((tmp.path / "link").string(), "pid file"), link_error.c_str(), FileError);
  fs::create_symlink(tmp.path / "nowhere", tmp.path / "dangling");
  CHECK_THROWS_WITH(read_small_file((tmp.path / "dangling").string()), doctest::Contains("symbolic link"));
  CHECK_THROWS_WITH(read_small_file(tmp.path.string()), doctest::Contains("is a directory, not a regular file"));
  CHECK_THROWS_WITH(read_small_file("/dev/null"), doctest::Contains("is a character device"));
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const auto sock = (tmp.path / "sock").string();
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  CHECK_THROWS_WITH(read_small_file(sock), doctest::Contains("is a socket"));
  ::close(s);
}

TEST_CASE("small file: errors-larger than the cap is not ours, names are escaped") {
  TempDir tmp;
  put(tmp.path / "big", std::string(101, 'x'));
  CHECK_THROWS_WITH(read_small_file((tmp.path / "big").string(), "flag", 100),
                    doctest::Contains("larger than 100 bytes: not a netraid flag; move it away"));
  CHECK(read_small_file((tmp.path / "big").string(), "flag", 101)->size() == 101);
  const auto odd = tmp.path / "a\nb";
  REQUIRE(::mkfifo(odd.c_str(), 0644) == 0);
  CHECK_THROWS_WITH(read_small_file(odd.string()), doctest::Contains("a\\nb is a FIFO"));
}
