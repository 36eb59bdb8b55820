#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper Scenario 2: as Scenario 1 (n1 dies, n2 takes over, n1 returns as
# its target), but n2 dies while n1 is being resynced. n1 holds a
# half-resynced copy: restore is refused there, even forced. When n2 returns
# it goes back in service and finishes the resync; the legs end identical.
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
nr n2 restore $TAG > /dev/null || fail "a second restore on n2 failed"
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

step "n2 reconnects n1 slowly (1 MB/s) and dies during the resync"
on n2 "$NETRAID" set $TAG --speed-limit-min 200 --speed-limit 1000 > /dev/null
nr n2 resync $TAG > "$SHARED/resync.log" 2>&1
sed 's/^/    /' "$SHARED/resync.log"
grep -q "merging its $N1_DIRTY dirty chunk" "$SHARED/resync.log" || fail "n2 did not merge n1's bitmap before the re-add"
sleep 3
try_on n2 cat /proc/mdstat | grep -q recovery || fail "no recovery running on n2 when it was to be crashed"
try_on n2 cat /proc/mdstat | grep recovery | sed 's/^/    /'
lab crash n2 > /dev/null
expect_flag n1 sync_state resyncing
expect_flag n1 source n2

step "n1 refuses restore: half-resynced, not even force"
cm_failover n2
[ "$CM_NODE" = n1 ] || fail "cluster manager chose $CM_NODE"
[ "$CM_RC" = 15 ] || fail "restore on n1 exited $CM_RC, expected 15 (refused: half-synced)"
echo "$CM_OUT" | grep -q "half-resynced" || fail "restore on n1 did not say half-resynced"
OUT=$(nr n1 force $TAG --yes 2>&1) && fail "force brought a half-resynced copy in service"
echo "    $OUT"
echo "$OUT" | grep -q "half-resynced" || fail "force on n1 refused for another reason"
try_on n1 test -e /sys/block/md0/md/array_state && fail "n1 assembled md0 although refused"
expect_no_flag n1 last_owner
expect_no_flag n1 data_corrupt

step "n2 returns: it goes back in service and finishes n1's resync"
lab boot n2 > /dev/null
OUT=$(nr n2 restore $TAG 2>&1) || { echo "$OUT"; fail "restore on n2 failed"; }
echo "$OUT" | sed 's/^/    [n2 restore] /'
expect_flag n2 last_owner n2
NBD=$(nbd_of n2 n1)
[ -n "$NBD" ] || fail "n2 did not reconnect n1"
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
RESYNCED=$(bytes_written n2 "${NBD#/dev/}")
CHUNK=$((CHUNK_KIB * 1024))
DISK=$(array_size_bytes n2)
echo "    resynced to n1 after n2 returned: $RESYNCED bytes (dirty before the cut resync: n1 $N1_DIRTY, n2 $N2_DIRTY chunks); disk $DISK"
expect_partial_resync "n1 after n2 returned" "$RESYNCED" "$DISK"
nr n2 resync $TAG > /dev/null || fail "resync pass on n2 failed"
expect_flag n2 targets "n1 in_sync"
expect_flag n1 sync_state in_sync
[ "$(generation_of n1)" = "$(generation_of n2)" ] || fail "n1 did not take n2's generation"

step "files intact on n2, legs byte-identical"
on n2 sh -c 'cd /mnt && md5sum -c --quiet "$1/sums.base" && md5sum -c --quiet "$1/sums.after"' sh "$SHARED" ||
  fail "files on n2 are not what was written"
on n2 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
sync_and_compare n2 n1 "after the resync finished"
echo "PASS $TEST_NAME"
