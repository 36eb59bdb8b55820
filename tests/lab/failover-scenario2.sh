#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper Scenario 2: as Scenario 1 (n1 dies, n2 takes over, n1 returns as
# its target), but n2 dies while n1 is being resynced. n1 holds a
# half-resynced copy: restore is refused there, even forced. When n2 returns
# it goes back in service and finishes the resync; the legs end identical.
. "$(dirname "$0")/lib.sh"

scenario1_failover

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
RESYNCED=$(bytes_written n2 "$NBD")
DISK=$(array_size_bytes n2)
echo "    resynced to n1 after n2 returned: $RESYNCED bytes (dirty before the cut resync: n1 $N1_DIRTY, n2 $N2_DIRTY chunks); disk $DISK"
CHUNKS=$(( (DISK + CHUNK_KIB * 1024 - 1) / (CHUNK_KIB * 1024) ))
if [ "$N2_DIRTY" -ge "$CHUNKS" ]; then
  # Seen about once in three runs, with this code and the code before it: md
  # on n2 found its bitmap out of date when it assembled alone after n1 died
  # mid-write, and marked every chunk (md's own safe choice, not netraid's).
  # Then no bitmap can make the resync partial: check it copied what the
  # bitmaps said and no more than the disk.
  echo "    md marked all $N2_DIRTY chunks of n2's bitmap at takeover: a full resync is md's choice here"
  [ "$RESYNCED" -le $((DISK + (1 << 20))) ] || fail "n1 got $RESYNCED bytes, more than the disk"
else
  expect_partial_resync "n1 after n2 returned" "$RESYNCED" "$DISK"
fi
expect_in_sync n2 n1

step "files intact on n2, legs byte-identical"
expect_files n2 /mnt base after
on n2 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
sync_and_compare n2 n1 "after the resync finished"
echo "PASS $TEST_NAME"
