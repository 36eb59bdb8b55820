#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The mirror's life with netraid's own parts: create (degraded, in service at
# once) -> ext4 -> extend to a target (our nbdkit plugin there, our NBD client
# here, full initial sync) -> 100+ MiB of files -> legs byte-identical ->
# unextend and delete leave no md, NBD attachment or remote server behind.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

step "n1: netraid create datarep --local /dev/ubda --mount /mnt --fstype ext4"
nr n1 create datarep --local /dev/ubda --mount /mnt --fstype ext4 || fail "create failed"
expect_md_health n1 "[U_]"
on n1 mountpoint -q /mnt

step "n1: write 60 MiB of files before any target exists"
for i in 1 2 3; do make_pattern "$SHARED/a$i" 20; done
on n1 sh -c 'mkdir /mnt/d && cp "$1"/a? /mnt/d/ && sync' sh "$SHARED"

step "n1: netraid extend datarep --target n2"
nr n1 extend datarep --target n2 || fail "extend failed"
on n2 test -f /etc/netraid/datarep.json
nr n1 wait datarep --timeout 300 || fail "the initial sync did not finish"
expect_md_health n1 "[UU]"
try_on n1 cat /proc/mdstat | grep -q 'nbd[0-9]*\[[0-9]*\](W)' || fail "the NBD leg is not write-mostly"

step "n1: write 60 MiB more through the replicated file system, with checksums"
for i in 4 5 6; do make_pattern "$SHARED/a$i" 20; done
( cd "$SHARED" && md5sum a? > sums )
on n1 sh -c 'cp "$1"/a[4-6] "$1"/sums /mnt/d/ && sync && cd /mnt/d && md5sum -c --quiet sums' sh "$SHARED" ||
  fail "files read back through the mirror have wrong checksums"

step "legs byte-identical"
on n1 umount /mnt
NBD=$(try_on n1 cat /proc/mdstat | sed -n 's/.* \(nbd[0-9]*\)\[.*/\1/p' | head -n1)
on n1 sync
on n2 sync
compare_legs "$(lab disk n1)" "$(data_offset_bytes n1 /dev/ubda)" \
  "$(lab disk n2)" "$(data_offset_bytes n1 "/dev/$NBD")" "$(array_size_bytes n1)" "after extend and 120 MiB of files"

step "unextend leaves no attachment and no server on n2"
nr n1 unextend datarep n2 || fail "unextend failed"
expect_md_health n1 "[U_]"
[ "$(try_on n1 cat "/sys/block/$NBD/size")" = 0 ] || fail "/dev/$NBD is still attached after unextend"
try_on n2 pgrep -x nbdkit > /dev/null && fail "nbdkit still runs on n2 after unextend"
try_on n2 test -f /etc/netraid/datarep.json && fail "n2 still has the mirror's config after unextend"

step "delete leaves no md array"
nr n1 delete datarep || fail "delete failed"
try_on n1 test -e /sys/block/md0/md && fail "md0 still exists after delete"
try_on n1 test -f /etc/netraid/datarep.json && fail "n1 still has the mirror's config after delete"
echo "PASS $TEST_NAME"
