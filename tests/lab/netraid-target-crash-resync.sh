#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Automatic resync by `netraid monitor`, no operator: the target crashes while
# the source writes into its file system; the file system keeps working and
# status says Out of Sync; when the target boots, the monitor reconnects it and
# md copies only the chunks its bitmap marks. Then the target's disk is
# replaced by a blank one: the monitor picks a full resync by itself.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

step "mirror datarep: n1 -> n2, ext4 on /mnt, initial sync"
nr n1 create datarep --local /dev/ubda --mount /mnt --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend datarep --target n2 > /dev/null || fail "extend failed"
nr n1 wait datarep --timeout 300 > /dev/null || fail "initial sync did not finish"
NBD=$(nbd_of n1 n2)
[ -n "$NBD" ] || fail "no NBD leg recorded for n2"
make_pattern "$SHARED/base" 40
on n1 sh -c 'cp "$1/base" /mnt/base && sync' sh "$SHARED"

step "netraid monitor runs on n1"
start_monitor n1
# Let md clear the bits of the replicated writes (daemon_sleep 5 s).
sleep 7

step "n2 crashes while n1 writes 16 MiB of files"
make_pattern "$SHARED/during" 16
lab exec n1 -- sh -c 'for i in $(seq 1 16); do
    dd if="$1" of=/mnt/during.$i bs=1M skip=$((i - 1)) count=1 conv=fsync status=none || exit 1
    sleep 0.2
  done' sh "$SHARED/during" &
WRITER=$!
sleep 1
lab crash n2 > /dev/null
wait $WRITER || fail "writing into the replicated file system failed while the target was down"
step "status says Out of Sync while n2 is down"
STATUS=$(nr n1 status datarep); RC=$?
echo "$STATUS" | sed 's/^/    /'
[ $RC = 1 ] || fail "expected status exit 1 (degraded) while n2 is down, got $RC"
echo "$STATUS" | grep -q "n2 .*Out of Sync" || fail "status does not show n2 Out of Sync"

DIRTY=$(dirty_chunks n1 /dev/ubda)
[[ "$DIRTY" =~ ^[0-9]+$ ]] && [ "$DIRTY" -gt 0 ] || fail "expected dirty bitmap chunks on n1, got '$DIRTY'"
BEFORE=$(bytes_written n1 "$NBD")
# Anything the file system writes from here on also reaches n2 and would be
# counted as resync: measured, to tell the two apart if the bound fails.
BEFORE_MD=$(bytes_written n1 md0)

step "the monitor backs off while n2 is down; n2 boots: it reconnects it and resyncs partially"
for i in $(seq 90); do
  [ "$(try_on n1 grep -c "n2: next reconnect attempt" /var/log/netraid/monitor.log)" -ge 3 ] && break
  sleep 1
done
lab boot n2 > /dev/null
wait_healthy n1 datarep 120
NBD_NOW=$(nbd_of n1 n2)
[ "$NBD_NOW" = "$NBD" ] || fail "n2 came back as $NBD_NOW instead of $NBD"
RESYNCED=$(( $(bytes_written n1 "$NBD") - BEFORE ))
FS_WRITES=$(( $(bytes_written n1 md0) - BEFORE_MD ))
DIRTY_BYTES=$((DIRTY * CHUNK_KIB * 1024))
DISK=$(array_size_bytes n1)
echo "    dirty: $DIRTY chunks x $CHUNK_KIB KiB = $DIRTY_BYTES bytes; resynced to n2: $RESYNCED bytes; disk: $DISK bytes"
echo "    written to md0 meanwhile (by the file system, not the resync): $FS_WRITES bytes"
try_on n1 grep "re-add" /var/log/netraid/monitor.log | sed 's/^/    /'
try_on n1 grep -q "re-add (partial resync)" /var/log/netraid/monitor.log || fail "the monitor did not choose a partial re-add"
expect_partial_resync "n2's return (md0 written $FS_WRITES bytes meanwhile)" "$RESYNCED" "$DISK" 1 "$DIRTY" $((CHUNK_KIB * 1024)) 0
WAITS=$(try_on n1 sed -n 's/.*n2: next reconnect attempt in \([0-9]*\) s$/\1/p' /var/log/netraid/monitor.log | tr '\n' ' ')
echo "    the monitor's waits between reconnects of n2 while it was down (interval 2 s): $WAITS"
case "$WAITS" in "2 4 8 "*) ;; *) fail "the monitor did not back off 2, 4, 8 s ... (waits: '$WAITS')" ;; esac

step "files intact, legs byte-identical"
( cd "$SHARED" && md5sum base > sums )
on n1 sh -c 'cd /mnt && md5sum -c --quiet "$1/sums" && for i in $(seq 1 16); do cat during.$i; done | cmp - "$1/during"' sh "$SHARED" ||
  fail "files in the replicated file system are not what was written"
on n1 sh -c 'sync; echo 1 > /proc/sys/vm/drop_caches'
sync_and_compare n1 n2 "after the automatic partial resync"

step "n2's disk is replaced by a blank one: the monitor chooses a full resync"
lab crash n2 > /dev/null
IMG=$(lab disk n2)
rm -f "$IMG" && truncate -s 256M "$IMG"
# md notices the dead link (NBD timeout) and fails the leg; booting n2
# before that would let the wait below return on the old, healthy state.
for i in $(seq 120); do [[ "$(md_health n1)" == *_* ]] && break; sleep 0.5; done
[[ "$(md_health n1)" == *_* ]] || fail "md on n1 did not fail n2's leg within 60 s of the crash"
BEFORE=$(bytes_written n1 "$NBD")
lab boot n2 > /dev/null
wait_healthy n1 datarep 180
RESYNCED=$(( $(bytes_written n1 "$NBD") - BEFORE ))
echo "    resynced to the blank disk: $RESYNCED bytes of $DISK"
try_on n1 grep -q "add (full resync)" /var/log/netraid/monitor.log || fail "the monitor did not choose a full resync"
[ "$RESYNCED" -ge "$DISK" ] || fail "a full resync wrote only $RESYNCED of $DISK bytes"
sync_and_compare n1 n2 "after the automatic full resync"
stop_monitor n1
echo "PASS $TEST_NAME"
