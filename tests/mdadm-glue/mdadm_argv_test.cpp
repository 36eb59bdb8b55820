// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "netraid/mdadm/mdadm_argv.hpp"

using namespace netraid::mdadm;

TEST_CASE("argv: create a degraded RAID1 with an internal bitmap") {
  CreateRaid1 spec{"/dev/md0", "/dev/ubda", 3, 64, "datarep"};
  CHECK(create_degraded_raid1_argv(spec) ==
        Argv{"--create", "/dev/md0", "--metadata=1.2", "--level=1", "--raid-devices=3",
             "--bitmap=internal", "--bitmap-chunk=64", "--name=datarep", "--run", "/dev/ubda",
             "missing", "missing"});
  spec.name.clear();
  spec.raid_devices = 2;
  CHECK(create_degraded_raid1_argv(spec) ==
        Argv{"--create", "/dev/md0", "--metadata=1.2", "--level=1", "--raid-devices=2",
             "--bitmap=internal", "--bitmap-chunk=64", "--run", "/dev/ubda", "missing"});
  spec.metadata = "1.0";  // an existing file system: md's metadata at the end
  CHECK(create_degraded_raid1_argv(spec) ==
        Argv{"--create", "/dev/md0", "--metadata=1.0", "--level=1", "--raid-devices=2",
             "--bitmap=internal", "--bitmap-chunk=64", "--run", "/dev/ubda", "missing"});
}

TEST_CASE("argv: manage operations") {
  CHECK(add_argv("/dev/md0", "/dev/nbd0") == Argv{"--manage", "/dev/md0", "--add", "/dev/nbd0"});
  CHECK(re_add_argv("/dev/md0", "/dev/nbd0") == Argv{"--manage", "/dev/md0", "--re-add", "/dev/nbd0"});
  CHECK(fail_argv("/dev/md0", "/dev/nbd0") == Argv{"--manage", "/dev/md0", "--fail", "/dev/nbd0"});
  CHECK(remove_argv("/dev/md0", "/dev/nbd0") == Argv{"--manage", "/dev/md0", "--remove", "/dev/nbd0"});
  CHECK(remove_argv("/dev/md0", "failed") == Argv{"--manage", "/dev/md0", "--remove", "failed"});
  CHECK(remove_argv("/dev/md0", "detached") == Argv{"--manage", "/dev/md0", "--remove", "detached"});
  CHECK(stop_argv("/dev/md0") == Argv{"--stop", "/dev/md0"});
  CHECK(assemble_argv("/dev/md0", {"/dev/ubda"}) == Argv{"--assemble", "--run", "/dev/md0", "/dev/ubda"});
  CHECK(grow_raid_devices_argv("/dev/md0", 4) == Argv{"--grow", "/dev/md0", "--raid-devices=4"});
  CHECK(grow_raid_devices_argv("/dev/md0", 3, true) == Argv{"--grow", "/dev/md0", "--raid-devices=3", "--force"});
  CHECK(grow_size_argv("/dev/md0", 524224) == Argv{"--grow", "/dev/md0", "--size=524224"});
  CHECK(zero_superblock_argv("/dev/nbd1") == Argv{"--zero-superblock", "--force", "/dev/nbd1"});
  CHECK_THROWS_AS(zero_superblock_argv("--force"), ArgvError);
  CHECK(detail_export_argv("/dev/md0") == Argv{"--detail", "--export", "/dev/md0"});
  CHECK(examine_export_argv("/dev/nbd0") == Argv{"--examine", "--export", "/dev/nbd0"});
  CHECK(examine_argv("/dev/nbd0") == Argv{"--examine", "/dev/nbd0"});
}

TEST_CASE("argv: errors-values mdadm would misread are refused before anything runs") {
  CreateRaid1 spec{"/dev/md0", "/dev/ubda", 2, 64, ""};
  auto bad = spec;
  bad.local_device = "--zero-superblock";
  CHECK_THROWS_WITH_AS(create_degraded_raid1_argv(bad), doctest::Contains("not a /dev/ path"), ArgvError);
  bad = spec;
  bad.raid_devices = 9;
  CHECK_THROWS_WITH(create_degraded_raid1_argv(bad), doctest::Contains("1 to 7 targets"));
  bad.raid_devices = 1;
  CHECK_THROWS_AS(create_degraded_raid1_argv(bad), ArgvError);
  bad = spec;
  bad.bitmap_chunk_kb = 96;
  CHECK_THROWS_WITH(create_degraded_raid1_argv(bad), doctest::Contains("power of two"));
  bad = spec;
  bad.metadata = "0.90";
  CHECK_THROWS_WITH_AS(create_degraded_raid1_argv(bad), doctest::Contains("neither 1.2 nor 1.0"), ArgvError);
  bad = spec;
  bad.name = "my tag";
  CHECK_THROWS_AS(create_degraded_raid1_argv(bad), ArgvError);
  CHECK_THROWS_AS(re_add_argv("md0", "/dev/nbd0"), ArgvError);
  CHECK_THROWS_AS(add_argv("/dev/md0", "/dev/nbd0 /dev/sda"), ArgvError);
  CHECK_THROWS_AS(assemble_argv("/dev/md0", {}), ArgvError);
  CHECK_THROWS_AS(grow_raid_devices_argv("/dev/md0", 0), ArgvError);
  CHECK_THROWS_AS(grow_size_argv("md0", 1024), ArgvError);
  CHECK_THROWS_WITH_AS(grow_size_argv("/dev/md0", 0), doctest::Contains("multiple of 4"), ArgvError);
  CHECK_THROWS_AS(grow_size_argv("/dev/md0", 1026), ArgvError);
  CHECK_THROWS_AS(remove_argv("/dev/md0", "all"), ArgvError);
}
