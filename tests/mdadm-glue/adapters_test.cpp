// SPDX-License-Identifier: GPL-2.0-or-later
// The thin adapters against real processes and real files: /bin/sh stands
// in for mdadm, a temp directory for /sys, a temp file for a member device.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "md_image.hpp"
#include "netraid/mdadm/mdadm_runner.hpp"
#include "netraid/mdadm/member_device.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"

using namespace netraid::mdadm;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/netraid-mdadm-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}
}  // namespace

TEST_CASE("runner: captures stdout, stderr and the exit code without a shell string") {
  const MdadmRunner sh("/bin/sh");
  const auto r = sh.run({"-c", "echo out; echo 'mdadm: boom' >&2; exit 3"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out\n");
  CHECK(r.err == "mdadm: boom\n");
  // An argument with shell syntax stays one literal argument.
  const auto literal = sh.run({"-c", "printf '%s' \"$1\"", "sh", "$(touch /tmp/never); *"});
  CHECK(literal.out == "$(touch /tmp/never); *");
}

TEST_CASE("runner: errors-a failing run is one line naming the command and mdadm's reason") {
  const MdadmRunner sh("/bin/sh");
  try {
    sh.run_checked({"-c", "echo; echo 'mdadm: /dev/nbd0 not large enough to join array' >&2; exit 1"});
    FAIL("run_checked accepted exit 1");
  } catch (const MdadmError& e) {
    CHECK(std::string(e.what()) ==
          "/bin/sh -c echo; echo 'mdadm: /dev/nbd0 not large enough to join array' >&2; exit 1: exit 1: "
          "mdadm: /dev/nbd0 not large enough to join array");
    CHECK(e.result.exit_code == 1);
  }
  CHECK(sh.run_checked({"-c", "exit 0"}).exit_code == 0);
  CHECK_THROWS_WITH_AS(MdadmRunner("netraid-no-such-program").run({}), doctest::Contains("not found"),
                       MdadmError);
  CHECK(describe_failure("mdadm", {"--stop", "/dev/md0"}, {1, "", ""}) == "mdadm --stop /dev/md0: exit 1");
}

TEST_CASE("sysfs adapter: reads without the newline, writes, lists members") {
  TempDir root;
  const auto md = root.path / "block/md0/md";
  write_file(md / "array_state", "clean\n");
  write_file(md / "dev-ubda/state", "in_sync\n");
  write_file(md / "dev-nbd0/state", "in_sync,write_mostly\n");
  write_file(md / "sync_action", "idle\n");
  const MdSysfs sysfs("md0", root.path.string());
  CHECK(sysfs.read("array_state") == "clean");
  CHECK(sysfs.read("dev-nbd0/state") == "in_sync,write_mostly");
  sysfs.write("sync_action", "frozen");
  CHECK(sysfs.read("sync_action") == "frozen");
  CHECK(sysfs.members() == std::vector<std::string>{"nbd0", "ubda"});
  CHECK(sysfs.path("bitmap/chunksize") == (md / "bitmap/chunksize").string());
}

TEST_CASE("sysfs adapter: errors-missing attribute and path escapes") {
  TempDir root;
  const MdSysfs sysfs("md0", root.path.string());
  CHECK_THROWS_WITH_AS(sysfs.read("degraded"), doctest::Contains("No such file"), SysfsError);
  CHECK_THROWS_AS(sysfs.write("sync_action", "idle"), SysfsError);
  CHECK_THROWS_AS(sysfs.read("../../md1/md/array_state"), SysfsError);
  CHECK_THROWS_AS(sysfs.members(), SysfsError);
}

TEST_CASE("member device: superblock and dirty chunks read from an image file") {
  TempDir dir;
  MemberImageSpec spec;
  spec.dirty = {3, 4, 5, 1000};
  const auto image = build_member_image(spec);
  const auto path = dir.path / "leg.img";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }
  const auto m = read_member_metadata(path.string());
  CHECK(m.superblock.events == 21);
  REQUIRE(m.bitmap.has_value());
  CHECK(m.bitmap->chunksize_bytes == 65536);
  CHECK(m.dirty_chunks == std::vector<std::uint64_t>{3, 4, 5, 1000});
  CHECK(format_bitmap_set_bits(to_ranges(m.dirty_chunks)) == std::vector<std::string>{"3-5 1000"});
}

TEST_CASE("member device: metadata 1.0, superblock at the end and the bitmap before it") {
  TempDir dir;
  MemberImageSpec spec;
  spec.device_bytes = (64u << 20) + 3 * 512;  // not a multiple of 4 KiB
  spec.data_offset_sectors = 0;
  spec.size_sectors = 131008;
  spec.bitmap_offset_sectors = -16;  // 4 KiB of bitmap and the bad block log
  spec.dirty = {0, 7, 1023};
  const auto image = build_member_image(spec);
  // ext4's magic where a 1.2 superblock would be: it must not be taken for md.
  auto copy = image;
  copy[4096] = std::byte{0x53};
  copy[4097] = std::byte{0xef};
  const auto path = dir.path / "leg10.img";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(copy.data()), static_cast<std::streamsize>(copy.size()));
  }
  const auto m = read_member_metadata(path.string());
  CHECK(m.superblock_offset_bytes == superblock10_offset(spec.device_bytes));
  CHECK(m.superblock_offset_bytes == (64u << 20) - 8192);  // 8 KiB to 12 KiB before the end, 4 KiB aligned
  CHECK(m.superblock.metadata_version() == "1.0");
  CHECK(m.superblock.data_offset_sectors == 0);
  REQUIRE(m.bitmap.has_value());
  CHECK(bitmap_byte_offset(m.superblock) == m.superblock_offset_bytes - 16 * 512);
  CHECK(m.dirty_chunks == std::vector<std::uint64_t>{0, 7, 1023});
  // The 1.2 image still reads as 1.2.
  MemberImageSpec v12;
  const auto image12 = build_member_image(v12);
  {
    std::ofstream out(dir.path / "leg12.img", std::ios::binary);
    out.write(reinterpret_cast<const char*>(image12.data()), static_cast<std::streamsize>(image12.size()));
  }
  const auto m12 = read_member_metadata((dir.path / "leg12.img").string());
  CHECK(m12.superblock_offset_bytes == 4096);
  CHECK(m12.superblock.metadata_version() == "1.2");
}

TEST_CASE("member device: errors-missing device, too small, blank") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(read_member_metadata((dir.path / "nope").string()), doctest::Contains("cannot open"),
                       MemberReadError);
  write_file(dir.path / "small", "tiny");
  CHECK_THROWS_WITH_AS(read_member_metadata((dir.path / "small").string()), doctest::Contains("too small"),
                       MemberReadError);
  {
    std::ofstream blank(dir.path / "blank", std::ios::binary);
    blank << std::string(16384, '\0');
  }
  CHECK_THROWS_WITH(read_member_metadata((dir.path / "blank").string()), doctest::Contains("blank or replaced"));
}

TEST_CASE("runner: the real mdadm, found by name, and its failure as one line") {
  TempDir dir;
  write_file(dir.path / "not-a-member", std::string(65536, '\0'));
  const MdadmRunner mdadm;  // "mdadm": PATH, then /usr/sbin, /sbin
  const auto version = mdadm.run({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.err.find("mdadm - v") != std::string::npos);
  try {
    mdadm.run_checked({"--examine", (dir.path / "not-a-member").string()});
    FAIL("mdadm --examine accepted a blank file");
  } catch (const MdadmError& e) {
    CHECK(e.result.exit_code != 0);
    CHECK(std::string(e.what()).find("No md superblock detected") != std::string::npos);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}
