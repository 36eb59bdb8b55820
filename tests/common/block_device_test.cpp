// SPDX-License-Identifier: GPL-2.0-or-later
// The judgements of block_device.hpp on the stacks the lab builds: md arrays
// and their members, partitions of an array, dm over md, NBD devices, and the
// plain disks, partitions and LVM-like dm devices that must stay usable.
#include <doctest/doctest.h>

#include "netraid/common/block_device.hpp"

using namespace netraid::common;

namespace {

constexpr unsigned kUbd = 98, kMd = 9, kBlkExt = 259, kDm = 253;

BlockLayer disk(const std::string& name, unsigned major = kUbd) { return {name, major, false, false, false, {}}; }
BlockLayer partition(const std::string& name, unsigned major = kUbd) { return {name, major, false, false, true, {}}; }
BlockLayer md(const std::string& name) { return {name, kMd, true, false, false, {}}; }
BlockLayer dm(const std::string& name) { return {name, kDm, false, true, false, {}}; }
BlockLayer nbd(const std::string& name) { return {name, kNbdMajor, false, false, false, {}}; }
BlockLayer held(BlockLayer layer, std::vector<std::string> holders) {
  layer.holders = std::move(holders);
  return layer;
}

DeviceFacts block(const std::string& path, std::vector<BlockLayer> stack) {
  DeviceFacts f;
  f.path = path;
  f.kind = PathKind::block;
  f.size_bytes = 1ull << 30;
  f.stack = std::move(stack);
  // What inspect_device puts in `holders` for the device itself.
  if (!f.stack.empty()) f.holders = f.stack[0].holders;
  return f;
}

}  // namespace

TEST_CASE("a plain disk, a partition, an LVM-like dm device and a regular file are usable") {
  CHECK(refusal(block("/dev/sdb", {disk("sdb")})) == "");
  CHECK(refusal(block("/dev/sdb1", {partition("sdb1"), disk("sdb")})) == "");
  // dm over a partition: the partition's holder is the dm device itself.
  CHECK(refusal(block("/dev/mapper/vg-lv", {dm("dm-0"), held(partition("sdb1"), {"dm-0"}), disk("sdb")})) == "");
  DeviceFacts file;
  file.path = "/srv/disk.img";
  file.kind = PathKind::regular;
  file.size_bytes = 1ull << 30;
  CHECK(refusal(file) == "");
}

TEST_CASE("an md array is refused, named") {
  const auto f = block("/dev/md0", {md("md0"), held(disk("ubda"), {"md0"}), held(nbd("nbd0"), {"md0"})});
  CHECK(stacking_refusal(f) == "is the md array md0: give a partition or disk that is in no array");
}

TEST_CASE("a member of an md array is refused, naming the array") {
  const auto f = block("/dev/ubde", {held(disk("ubde"), {"md9"})});
  CHECK(md_holder(f) == "md9");
  CHECK(refusal(f) == "is a member of the md array md9: give a partition or disk that is in no array");
  // mdadm's named arrays have kernel names md_NAME.
  CHECK(md_holder(block("/dev/sdc", {held(disk("sdc"), {"md_home"})})) == "md_home");
  // A dm holder is not an md array.
  CHECK(md_holder(block("/dev/sdc", {held(disk("sdc"), {"dm-3"})})) == "");
}

TEST_CASE("an NBD device is refused, attached or not") {
  const auto f = block("/dev/nbd3", {nbd("nbd3")});
  CHECK(refusal(f) == "is an NBD device (a disk of another system): give a local partition or disk");
  // A live leg: md's membership is what the operator must hear about first.
  CHECK(refusal(block("/dev/nbd0", {held(nbd("nbd0"), {"md0"})})) ==
        "is a member of the md array md0: give a partition or disk that is in no array");
}

TEST_CASE("a partition of an md array is refused, naming the array") {
  const auto f = block("/dev/md9p2", {partition("md9p2", kBlkExt), md("md9"), held(disk("ubde"), {"md9"})});
  CHECK(refusal(f) == "is a partition of the md array md9: give a partition or disk that is in no array");
}

TEST_CASE("a device-mapper device over an md array is refused, however deep") {
  auto f = block("/dev/mapper/over", {dm("dm-0"), held(md("md1"), {"dm-0"}), held(disk("ubdd"), {"md1"})});
  CHECK(refusal(f) == "is a device-mapper device (dm-0) over the md array md1: give a partition or disk that is in no array");
  // dm over a partition of an array.
  f = block("/dev/mapper/deep", {dm("dm-1"), held(partition("md9p1", kBlkExt), {"dm-1"}), md("md9"), disk("ubde")});
  CHECK(refusal(f) == "is a device-mapper device (dm-1) over the md array md9: give a partition or disk that is in no array");
}

TEST_CASE("anything built on an NBD device is refused, naming it") {
  CHECK(refusal(block("/dev/nbd0p1", {partition("nbd0p1"), nbd("nbd0")})) ==
        "is a partition of the NBD device nbd0 (a disk of another system): give a local partition or disk");
  CHECK(refusal(block("/dev/mapper/x", {dm("dm-2"), held(nbd("nbd1"), {"dm-2"})})) ==
        "is a device-mapper device (dm-2) over the NBD device nbd1 (a disk of another system): give a local partition or disk");
}

TEST_CASE("a partition of a disk an md array uses whole is refused") {
  // md9 on /dev/sdc: sdc1 lies inside md9's data area.
  const auto f = block("/dev/sdc1", {partition("sdc1"), held(disk("sdc"), {"md9"})});
  CHECK(refusal(f) == "is a partition of sdc, a member of the md array md9: give a partition or disk that is in no array");
}

TEST_CASE("mounted, held and busy devices each have their message, in that order") {
  auto f = block("/dev/sdb", {disk("sdb")});
  f.mountpoints = {"/mnt/a", "/srv"};
  f.holders = {"dm-0"};
  f.busy = true;
  CHECK(stacking_refusal(f) == "");
  CHECK(refusal(f) == "is mounted on /mnt/a, /srv: unmount it first");
  f.mountpoints.clear();
  CHECK(refusal(f) == "is in use by dm-0: take it out of there first (mdadm --stop, dmsetup remove, losetup -d)");
  f.holders.clear();
  CHECK(refusal(f) == "is open exclusively by another program: stop that program first (see fuser -v /dev/sdb)");
  f.busy = false;
  CHECK(refusal(f) == "");
}

TEST_CASE("a whole disk with a partition in an array is in use") {
  // inspect_device lists the holders of the partitions with the disk's.
  auto f = block("/dev/sdc", {disk("sdc")});
  f.holders = {"md9"};
  CHECK(md_holder(f) == "");
  CHECK(refusal(f) == "is in use by md9: take it out of there first (mdadm --stop, dmsetup remove, losetup -d)");
}

TEST_CASE("a regular file backing a loop device is in use, nothing else applies to files") {
  DeviceFacts f;
  f.path = "/srv/disk.img";
  f.kind = PathKind::regular;
  f.holders = {"/dev/loop0"};
  CHECK(stacking_refusal(f) == "");
  CHECK(refusal(f) == "is in use by /dev/loop0: take it out of there first (mdadm --stop, dmsetup remove, losetup -d)");
}
