#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reference test: a RAID1 of a local disk and an NBD device, built by hand with
# mdadm. The NBD path is stock (nbdkit file plugin, nbd-client) or ours
# (MIRROR_PARTS=netraid, see mirror-parts-replicates.sh). A 64 MiB pattern
# written through md must read back intact and sit byte for byte on both legs.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
N2=$(lab addr n2)

step "n2 serves its disk /dev/ubda, n1 attaches it as /dev/nbd0 ($(parts_name))"
target_serve n2 reftest "$(lab addr n1)"
source_attach n1 n2 reftest /dev/nbd0
step "n1 builds md0 = RAID1(local /dev/ubda, write-mostly /dev/nbd0) with an internal bitmap"
on n1 mdadm --create /dev/md0 --run --metadata=1.2 --level=1 --raid-devices=2 \
  --bitmap=internal --bitmap-chunk=1M /dev/ubda --write-mostly /dev/nbd0 2> /dev/null
try_on n1 mdadm --wait /dev/md0 || true
expect_md_health n1 "[UU]"

step "write a 64 MiB random pattern through md0 and read it back"
make_pattern "$SHARED/pattern" 64
on n1 dd if="$SHARED/pattern" of=/dev/md0 bs=1M oflag=direct status=none
on n1 dd if=/dev/md0 of="$SHARED/readback" bs=1M count=64 iflag=direct status=none
cmp "$SHARED/pattern" "$SHARED/readback" || fail "data read back through md0 differs from what was written"

step "compare the data area of both legs byte for byte"
on n1 sync
on n2 sync
OFF1=$(data_offset_bytes n1 /dev/ubda)
OFF2=$(data_offset_bytes n1 /dev/nbd0)
SIZE=$(array_size_bytes n1)
compare_legs "$(lab disk n1)" "$OFF1" "$(lab disk n2)" "$OFF2" "$SIZE" "after initial sync and 64 MiB write"
# The pattern must really be on the target's disk, not only equal by accident.
cmp -n $((64 << 20)) -i "$OFF2:0" "$(lab disk n2)" "$SHARED/pattern" ||
  fail "target leg does not hold the written pattern"

step "tear down: stop md0, detach nbd0, stop nbdkit"
on n1 mdadm --stop /dev/md0 2> /dev/null
source_detach n1 /dev/nbd0
target_stop n2 reftest
echo "PASS $TEST_NAME"
