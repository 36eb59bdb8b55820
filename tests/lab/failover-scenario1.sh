#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper Scenario 1: the source dies while in sync; the target takes over
# with the data it has; the old source returns as a target and is resynced
# partially from the new source, including the chunks only it wrote (in
# flight when it died), which the bitmap merge makes md copy back over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover/driver.sh"

lab_up 2 --disks 256M
netraid_lab_setup
CM_NODES="n1 n2"

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 40 MiB of files with checksums"
standard_mirror 40
G1=$(generation_of n1)
[ -n "$G1" ] || fail "no generation on n1 after create"
expect_flag n1 last_owner n1
expect_flag n1 source n1
expect_flag n1 targets "n2 in_sync"
expect_no_flag n2 last_owner
expect_flag n2 source n1
expect_flag n2 sync_state in_sync
[ "$(generation_of n2)" = "$G1" ] || fail "n2's generation $(generation_of n2) is not n1's $G1"
sleep 7  # md clears the bits of replicated writes lazily (daemon_sleep 5 s)

step "writes in flight when n1 dies: the link drops, n1 writes 8 MiB only it holds, then crashes"
lab cut n1 n2 > /dev/null
make_pattern "$SHARED/inflight" 8
on n1 sh -c 'dd if="$1/inflight" of=/mnt/inflight bs=1M conv=fsync status=none' sh "$SHARED"
N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
[[ "$N1_DIRTY" =~ ^[0-9]+$ ]] && [ "$N1_DIRTY" -ge $((8 * 1024 / CHUNK_KIB)) ] ||
  fail "expected at least $((8 * 1024 / CHUNK_KIB)) dirty chunks on n1, got '$N1_DIRTY'"
echo "    n1's bitmap: $N1_DIRTY dirty chunks that n2 never received"
lab crash n1 > /dev/null
on n2 ip route del blackhole "$(lab addr n1)/32"

step "cluster manager: n1 died, n2 (next priority) runs restore"
cm_failover n1
[ "$CM_NODE" = n2 ] || fail "cluster manager chose $CM_NODE, expected n2"
[ "$CM_RC" = 0 ] || fail "restore on n2 failed (exit $CM_RC)"
expect_flag n2 last_owner n2
expect_flag n2 source n2
[ "$(flag n2 generation | sed -n 's/^history //p' | cut -d' ' -f1)" = "$G1" ] || fail "n2 did not start a new generation after $G1"
G2=$(generation_of n2)
expect_degraded n2
on n2 sh -c 'cd /mnt && md5sum -c --quiet "$1/sums.base"' sh "$SHARED" || fail "n2 does not hold the replicated files"
step "restore is idempotent on n2"
OUT=$(nr n2 restore $TAG --json 2> /dev/null) || fail "a second restore on n2 failed"
echo "    restore --json: $OUT"
grep -q '"already_in_service":true' <<< "$OUT" || fail "restore --json on n2 did not say already in service: $OUT"
nr n2 quickcheck $TAG || fail "quickcheck on n2 says unhealthy"

step "n2 writes 4 MiB as the new source"
make_pattern "$SHARED/after" 4
on n2 sh -c 'cp "$1/after" /mnt/after && sync' sh "$SHARED"
( cd "$SHARED" && md5sum after > sums.after )

step "n1 boots: restore there is refused (in service on n2) and drops n1's last_owner"
lab boot n1 > /dev/null
OUT=$(nr n1 restore $TAG 2>&1); RC=$?
echo "    $OUT"
[ $RC = 13 ] || fail "restore on n1 exited $RC, expected 13 (refused: in service elsewhere)"
echo "$OUT" | grep -q "in service on n2" || fail "restore on n1 did not say why it refused"
expect_no_flag n1 last_owner
try_on n1 test -e /sys/block/md0/md || true
try_on n1 test -e /sys/block/md0/md/array_state && fail "n1 assembled md0 although it was refused"
N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
N2_DIRTY=$(dirty_chunks n2 /dev/ubda)
echo "    dirty chunks: n1 $N1_DIRTY (its own, unreplicated), n2 $N2_DIRTY (since it took over)"

step "n2 reconnects n1: partial resync with n1's dirty chunks merged in"
BEFORE_LEGS=$(try_on n2 cat /run/netraid/$TAG.legs.json)
nr n2 resync $TAG > "$SHARED/resync.log" 2>&1
sed 's/^/    /' "$SHARED/resync.log"
grep -q "merging its $N1_DIRTY dirty chunk" "$SHARED/resync.log" || fail "n2 did not merge n1's bitmap before the re-add"
grep -q "re-add (partial resync)" "$SHARED/resync.log" || fail "n2 did not choose a partial re-add"
NBD=$(nbd_of n2 n1)
[ -n "$NBD" ] || fail "n2 recorded no NBD leg for n1 (legs before: $BEFORE_LEGS)"
expect_flag n1 sync_state resyncing
expect_flag n1 source n2
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
RESYNCED=$(bytes_written n2 "${NBD#/dev/}")
CHUNK=$((CHUNK_KIB * 1024))
DISK=$(array_size_bytes n2)
echo "    resynced to n1: $RESYNCED bytes; n1's own dirty: $((N1_DIRTY * CHUNK)); n2's dirty: $((N2_DIRTY * CHUNK)); disk $DISK"
expect_partial_resync "n1's return" "$RESYNCED" "$DISK" $((N1_DIRTY * CHUNK)) $((N1_DIRTY + N2_DIRTY)) "$CHUNK"

step "flags after the resync: n1 is n2's in-sync target with n2's generation"
nr n2 resync $TAG > /dev/null || fail "resync pass on n2 failed"
expect_flag n2 targets "n1 in_sync"
expect_flag n1 sync_state in_sync
expect_flag n1 source n2
expect_no_flag n1 last_owner
[ "$(generation_of n1)" = "$G2" ] || fail "n1's generation $(generation_of n1) is not n2's $G2"

step "files intact on n2, legs byte-identical (n1's in-flight bytes overwritten)"
on n2 sh -c 'cd /mnt && md5sum -c --quiet "$1/sums.base" && md5sum -c --quiet "$1/sums.after"' sh "$SHARED" ||
  fail "files on n2 are not what was written"
on n2 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
sync_and_compare n2 n1 "after the failover resync"
echo "PASS $TEST_NAME"
