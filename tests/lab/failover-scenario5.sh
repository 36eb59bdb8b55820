#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The replication link is cut (not a crash) while the source keeps writing.
# The source's monitor sees the target drop out and tells it so over the
# command path (which did not fail): when the source then crashes, the stale
# target refuses to take over. Then a split: the operator forces the target
# online and it writes while the source is back in service; when the link
# heals, the source refuses to resync either way and both copies stay intact.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup
CM_NODES="n1 n2"

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync, monitor on n1"
standard_mirror 16
expect_flag n2 sync_state in_sync
sleep 7  # md clears the bits of the initial sync and the files on both legs (daemon_sleep 5 s)
start_monitor n1

step "link cut; n1 keeps writing 8 MiB; the monitor tells n2 it is out of sync"
lab cut n1 n2 > /dev/null
make_pattern "$SHARED/alone" 8
on n1 sh -c 'dd if="$1/alone" of=/mnt/alone bs=1M conv=fsync status=none' sh "$SHARED"
( cd "$SHARED" && md5sum alone > sums.alone )
deadline=$((SECONDS + 40))
until [ "$(flag n2 sync_state)" = out_of_sync ]; do
  [ $SECONDS -lt $deadline ] || { try_on n1 tail -n 20 /var/log/netraid/monitor.log; fail "n2 was not told it is out of sync"; }
  sleep 1
done
expect_flag n2 sync_state out_of_sync
expect_flag n1 targets "n2 out_of_sync"

step "n1 crashes: the stale n2 refuses to take over"
lab crash n1 > /dev/null
on n2 ip route del blackhole "$(lab addr n1)/32"
cm_failover n1
[ "$CM_NODE" = n2 ] || fail "cluster manager chose $CM_NODE"
[ "$CM_RC" = 11 ] || fail "restore on n2 exited $CM_RC, expected 11 (refused: stale)"
echo "$CM_OUT" | grep -q "out of sync" || fail "restore on n2 did not say its copy is out of sync"
expect_no_flag n2 last_owner
try_on n2 test -e /sys/block/md0/md/array_state && fail "n2 assembled md0 although stale"

step "n1 returns and restores (n2 reachable); n2 is resynced and in sync again"
lab boot n1 > /dev/null
N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
OUT=$(nr n1 restore $TAG 2>&1) || { echo "$OUT"; fail "restore on n1 failed"; }
echo "$OUT" | sed 's/^/    [n1 restore] /'
echo "$OUT" | grep -q "re-add (partial resync)" || fail "n1 did not re-add n2 partially"
nr n1 wait $TAG --timeout 300 > /dev/null || fail "n2 did not get in sync"
NBD=$(nbd_of n1 n2)
RESYNCED=$(bytes_written n1 "$NBD")
MERGED=$(echo "$OUT" | sed -n 's/.*merging its \([0-9]*\) dirty chunk.*/\1/p')
CHUNK=$((CHUNK_KIB * 1024))
echo "    resynced to n2: $RESYNCED bytes; n1's dirty chunks $N1_DIRTY, n2's merged ${MERGED:-0}; disk $(array_size_bytes n1)"
expect_partial_resync "n2 (8 MiB missed)" "$RESYNCED" "$(array_size_bytes n1)" $((8 << 20)) $((N1_DIRTY + ${MERGED:-0})) "$CHUNK"
nr n1 resync $TAG > /dev/null
expect_flag n2 sync_state in_sync
expect_files n1 /mnt base alone
sync_and_compare n1 n2 "after the stale target was resynced"
echo "PASS $TEST_NAME"
