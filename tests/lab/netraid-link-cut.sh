#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A cut link (not a crash), healed again. Inside the mirror's grace period the
# kernel holds I/O while `netraid nbd-watch` reconnects: the writer sees no
# error, md never fails the leg, nothing is resynced. A cut longer than the
# grace period fails the leg; after the heal the monitor re-adds it with a
# partial resync.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup
GRACE=30

step "raw mirror datarep n1 -> n2 with a $GRACE s grace period"
nr n1 create datarep --local /dev/ubda --chunk $CHUNK_KIB --grace $GRACE > /dev/null || fail "create failed"
nr n1 extend datarep --target n2 > "$SHARED/extend.out" || fail "extend failed"
grep -q "watching the link" "$SHARED/extend.out" || fail "extend did not start a link watcher: $(cat "$SHARED/extend.out")"
nr n1 wait datarep --timeout 300 > /dev/null || fail "initial sync did not finish"
NBD=$(nbd_of n1 n2)
start_monitor n1
make_pattern "$SHARED/short" 8
make_pattern "$SHARED/long" 8

step "short cut (12 s < grace): writes wait and complete, no leg fails, nothing resyncs"
lab exec n1 -- sh -c 'for i in $(seq 0 7); do
    dd if="$1" of=/dev/md0 bs=1M skip=$i seek=$((16 + i)) count=1 oflag=direct status=none || exit 1
    sleep 0.5
  done' sh "$SHARED/short" &
WRITER=$!
sleep 1
lab cut n1 n2 2> /dev/null
sleep 12
lab heal 2> /dev/null
wait $WRITER || fail "a write failed during a cut shorter than the grace period"
expect_md_health n1 "[UU]"
try_on n1 dmesg | grep -q "Disk failure on ${NBD#/dev/}" && fail "md failed the leg during a short cut"
try_on n1 dmesg | grep -q "reconnected socket" || fail "the kernel logged no reconnect: the cut did not reach the NBD link"
try_on n1 grep -q "re-add\|add (full" /var/log/netraid/monitor.log && fail "the monitor resynced after a short cut"
echo "    writer finished without error, [UU] throughout, link reconnected by nbd-watch"

step "long cut (longer than the grace period): the leg fails, writes continue on n1 alone"
# md clears the bits of completed writes a few daemon cycles (5 s each) later;
# wait so the dirty count below is that of the long cut alone.
sleep 20
lab cut n1 n2 2> /dev/null
on n1 dd if="$SHARED/long" of=/dev/md0 bs=1M seek=64 oflag=direct status=none
DEADLINE=$((SECONDS + 60))
until try_on n1 dmesg | grep -q "Disk failure on ${NBD#/dev/}"; do
  [ $SECONDS -lt $DEADLINE ] || fail "md did not fail the leg after the grace period"
  sleep 2
done
expect_md_health n1 "[U_]"
DIRTY=$(dirty_chunks n1 /dev/ubda)
BEFORE=$(bytes_written n1 "$NBD")
step "heal: the monitor re-adds n2 with a partial resync"
lab heal 2> /dev/null
wait_healthy n1 datarep 120
RESYNCED=$(( $(bytes_written n1 "$NBD") - BEFORE ))
echo "    dirty: $DIRTY chunks x $CHUNK_KIB KiB; resynced: $RESYNCED bytes"
try_on n1 grep -q "re-add (partial resync)" /var/log/netraid/monitor.log || fail "the monitor did not re-add partially"
expect_partial_resync "the long cut" "$RESYNCED" "$(array_size_bytes n1)" 1 "$DIRTY" $((CHUNK_KIB * 1024)) 0
sync_and_compare n1 n2 "after short and long cuts"
stop_monitor n1
echo "PASS $TEST_NAME"
