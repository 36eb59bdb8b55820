#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The operator's verbs on a running mirror: the speed limit changes the rate md
# resyncs at, fullresync copies the whole disk, pause tracks writes in the
# bitmap (status Paused) and resume copies only those.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

step "raw mirror datarep n1 -> n2, initial sync"
nr n1 create datarep --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend datarep --target n2 > /dev/null || fail "extend failed"
nr n1 wait datarep --timeout 300 > /dev/null || fail "initial sync did not finish"
NBD=$(nbd_of n1 n2)
DISK=$(array_size_bytes n1)

# Resync progress in KiB/s over 10 s, from md's sync_completed (sectors).
# md throttles on an average since its last mark (every 3 s) and divides by
# the seconds elapsed plus one, so it runs somewhat above the limit and the
# first seconds may burst past it: measure after them, over several marks.
rate_kib_s() {
  local a b
  sleep 3
  a=$(try_on n1 cat /sys/block/md0/md/sync_completed | cut -d' ' -f1)
  sleep 10
  b=$(try_on n1 cat /sys/block/md0/md/sync_completed | cut -d' ' -f1)
  [[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] || fail "no resync running (sync_completed '$a' then '$b')"
  echo $(((b - a) / 2 / 10))
}

step "speed limit 4000 KB/s: a full resync runs at about that rate"
nr n1 set datarep --speed-limit 4000 --speed-limit-min 1000 || fail "set failed"
[ "$(try_on n1 cat /sys/block/md0/md/sync_speed_max)" = "4000 (local)" ] || fail "sync_speed_max is not 4000"
BEFORE=$(bytes_written n1 "$NBD")
nr n1 fullresync datarep n2 > /dev/null || fail "fullresync failed"
SLOW=$(rate_kib_s)
echo "    rate with --speed-limit 4000: $SLOW KiB/s"
# An upper bound only (a slow machine runs slower still): 6272 KiB/s was
# measured once over 6 s on a fast machine, so allow 1.75 x the limit.
[ "$SLOW" -le 7000 ] || fail "resync ran at $SLOW KiB/s with a 4000 KB/s limit"
step "speed limit lifted: the rest of the same resync runs faster"
# What is left is read while the limit still holds it, and the clock starts
# before the limit goes: unthrottled, the rest can end before a later read.
LEFT=$(try_on n1 cat /sys/block/md0/md/sync_completed | awk '{print ($3 - $1) / 2}')
[ "${LEFT%.*}" -gt 0 ] 2> /dev/null || fail "no resync left to speed up (sync_completed: $(try_on n1 cat /sys/block/md0/md/sync_completed))"
T0=$(date +%s%N)
nr n1 set datarep --speed-limit 0 --speed-limit-min 0 > /dev/null || fail "set 0 failed"
try_on n1 cat /sys/block/md0/md/sync_speed_max | grep -q '(system)$' ||
  fail "sync_speed_max is not back to the system default after --speed-limit 0"
nr n1 wait datarep --timeout 300 > /dev/null || fail "the full resync did not finish"
MS=$((($(date +%s%N) - T0) / 1000000))
FAST=$((${LEFT%.*} * 1000 / (MS > 0 ? MS : 1)))
echo "    rate without limit: $FAST KiB/s ($LEFT KiB in $MS ms, including the wait's polling)"
# Proof the limit is gone: the rest ran well above it. Only a lower bound,
# which a slow or busy machine can still clear (CI measured 13 MB/s).
[ "$FAST" -gt 5000 ] || fail "lifting the limit did not speed the resync past 4000 KB/s ($SLOW -> $FAST KiB/s)"
FULL=$(( $(bytes_written n1 "$NBD") - BEFORE ))
echo "    fullresync wrote $FULL bytes to n2 (array: $DISK bytes)"
[ "$FULL" -ge "$DISK" ] || fail "fullresync copied $FULL bytes, less than the $DISK-byte array"

step "pause: status shows Paused, writes go to n1 only and are tracked"
sleep 6  # bits of the full resync are cleared
nr n1 pause datarep > /dev/null || fail "pause failed"
STATUS=$(nr n1 status datarep)
echo "$STATUS" | grep -q "n2 .*Paused" || fail "status does not show n2 Paused: $STATUS"
make_pattern "$SHARED/p" 8
on n1 dd if="$SHARED/p" of=/dev/md0 bs=1M seek=32 oflag=direct status=none
DIRTY=$(dirty_chunks n1 /dev/ubda)
BEFORE=$(bytes_written n1 "$NBD")
step "resume: only the tracked chunks are copied"
nr n1 resume datarep > /dev/null || fail "resume failed"
nr n1 wait datarep --timeout 120 > /dev/null || fail "resync after resume did not finish"
RESYNCED=$(( $(bytes_written n1 "$NBD") - BEFORE ))
echo "    dirty: $DIRTY chunks x $CHUNK_KIB KiB; resynced: $RESYNCED bytes"
expect_partial_resync "resume" "$RESYNCED" "$DISK" 1 "$DIRTY" $((CHUNK_KIB * 1024)) 0
sync_and_compare n1 n2 "after pause, writes and resume"
echo "PASS $TEST_NAME"
