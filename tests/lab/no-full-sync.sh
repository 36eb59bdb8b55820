#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# LKDR_NO_FULL_SYNC=1 (issue 15): a target seeded with a byte copy of the
# source's leg is added without a full initial sync. n1's mirror holds 40 MiB
# of files; n2's disk gets a byte copy of n1's (the mirror unmounted until
# extend); extend with LKDR_NO_FULL_SYNC=1 in n1's /etc/default/LifeKeeper
# copies next to nothing, warns loudly, status warns until a full resync, and
# the legs are byte-identical. Then fullresync clears the warning.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup
mkdir -p "$LAB_DIR/nodes/n1/persist/etc-default"

step "mirror $TAG on n1 alone, ext4 on /mnt, 40 MiB of files"
nr n1 create $TAG --local /dev/ubda --mount /mnt --chunk $CHUNK_KIB > /dev/null || fail "create failed"
write_file n1 /mnt base 40
DISK=$(array_size_bytes n1)

step "seed n2: a byte copy of n1's leg, taken while nothing writes to the mirror (unmounted until extend)"
# Measured: a copy taken under fsfreeze differs as soon as the file system is
# thawed (ext4 sets needs_recovery again: byte 96 of its superblock), and a
# seeded leg is never resynced: the copy must equal the leg when extend runs.
on n1 umount /mnt
cp --sparse=always "$(lab disk n1)" "$(lab disk n2)"

step "extend with LKDR_NO_FULL_SYNC=1: no full initial sync, a loud warning"
printf 'LKDR_NO_FULL_SYNC=1\n' > "$LAB_DIR/nodes/n1/persist/etc-default/LifeKeeper"
nr n1 show-config | grep -q "^LKDR_NO_FULL_SYNC = 1 (/etc/default/LifeKeeper)$" || fail "show-config does not show LKDR_NO_FULL_SYNC=1 from the file"
nbd_baseline n1
OUT=$(nr n1 extend $TAG --target n2 2>&1) || fail "extend failed: $OUT"
echo "$OUT" | grep "WARNING" | sed 's/^/    /'
echo "$OUT" | grep -q "WARNING: LKDR_NO_FULL_SYNC=1: n2 is added WITHOUT a full initial sync" || fail "extend did not warn"
on n1 mount /dev/md0 /mnt
write_file n1 /mnt after 4   # replication goes on
wait_synced n1
COPIED=$(bytes_written_since_baseline n1 "$(nbd_of n1 n2)")
echo "    bytes written to n2's leg by extend and the 4 MiB written after: $COPIED (array $DISK)"
# The 4 MiB replicated plus md's superblock and bitmap, nothing like the disk.
[ "$COPIED" -lt $((8 << 20)) ] || fail "extend with LKDR_NO_FULL_SYNC=1 copied $COPIED bytes: a full sync ran"
sync_and_compare n1 n2 "seeded n2 after extend"

step "status warns about n2 until its next full resync (text and --json)"
nr n1 status $TAG | grep -q "WARNING: n2: added without a full sync (LKDR_NO_FULL_SYNC)" || { nr n1 status $TAG >&2; fail "status does not warn about n2"; }
W=$(nr n1 status $TAG --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print([s["warning"] for s in d["mirrors"][0]["systems"] if s["host"]=="n2"][0])')
case "$W" in *LKDR_NO_FULL_SYNC*) echo "    --json: $W" ;; *) fail "status --json has no warning for n2: '$W'" ;; esac

step "fullresync n2: the whole disk is copied and the warning goes"
nbd_baseline n1
nr n1 fullresync $TAG n2 > /dev/null || fail "fullresync failed"
wait_synced n1
COPIED=$(bytes_written_since_baseline n1 "$(nbd_of n1 n2)")
[ "$COPIED" -ge "$DISK" ] || fail "fullresync copied $COPIED bytes, less than the array"
nr n1 status $TAG | grep -q WARNING && fail "status still warns after a full resync"
sync_and_compare n1 n2 "after fullresync"
expect_files n1 /mnt base after
echo "PASS $TEST_NAME"
