#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper's tunables in each node's own /etc/default/LifeKeeper (read as
# data) change what netraid does: the bitmap chunk at create, the array's
# resync limits, the monitor's period, restore without connecting targets;
# a bad value stops a command before it touches anything.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

# tunables NODE LINE...: NODE's /etc/default/LifeKeeper holds these lines.
tunables() {
  local node="$1"; shift
  printf '%s\n' "$@" > "$LAB_DIR/nodes/$node/persist/etc-default/LifeKeeper"
}
HOST_DEFAULTS_BEFORE=$(ls -l /etc/default/LifeKeeper 2>&1)

step "n1's tunables: chunk 128 KiB, resync limits 4000/1000 KB/s, monitor every 3 s"
tunables n1 '# DataKeeper tunables' 'LKDR_CHUNK_SIZE=128' 'export LKDR_SPEED_LIMIT="4000"' \
  "LKDR_SPEED_LIMIT_MIN='1000'  # kept while other I/O runs" 'LKCHECKINTERVAL=3' 'this is not an assignment'
OUT=$(nr n1 show-config 2>&1) || fail "show-config failed: $OUT"
echo "$OUT" | sed 's/^/    /'
echo "$OUT" | grep -q "^LKDR_CHUNK_SIZE = 128 (/etc/default/LifeKeeper)$" || fail "show-config does not show the file's chunk size"
echo "$OUT" | grep -q "^LKDR_CONNECT_NBD_DURING_RESTORE = True (default)$" || fail "show-config does not show a default"
echo "$OUT" | grep -q "line 6: 'this is not an assignment' is not KEY=VALUE" || fail "show-config did not report the bad line"
[ "$(ls -l /etc/default/LifeKeeper 2>&1)" = "$HOST_DEFAULTS_BEFORE" ] || fail "the host's /etc/default/LifeKeeper changed"

step "create uses them: mdadm -X shows 128 KB chunks, md0 has its own limits"
nr n1 create datarep --local /dev/ubda > /dev/null || fail "create failed"
try_on n1 mdadm --examine-bitmap /dev/ubda | grep -q "Chunksize : 128 KB" ||
  fail "bitmap chunk is not 128 KB: $(try_on n1 mdadm --examine-bitmap /dev/ubda | grep Chunksize)"
[ "$(try_on n1 cat /sys/block/md0/md/sync_speed_max)" = "4000 (local)" ] || fail "sync_speed_max of md0 is not 4000"
[ "$(try_on n1 cat /sys/block/md0/md/sync_speed_min)" = "1000 (local)" ] || fail "sync_speed_min of md0 is not 1000"
# Per array: the system-wide limits stay as they were.
try_on n1 cat /proc/sys/dev/raid/speed_limit_max | grep -qv '^4000$' || fail "the system-wide limit was changed"
nr n1 extend datarep --target n2 > /dev/null || fail "extend failed"
nr n1 set datarep --speed-limit 0 --speed-limit-min 0 > /dev/null || fail "lifting the limit failed"
wait_synced n1

step "the monitor runs every LKCHECKINTERVAL seconds"
start_monitor n1 --once  # one pass: it says its period first
sleep 2
try_on n1 grep -q "started (interval 3 s)" /var/log/netraid/monitor.log ||
  fail "monitor did not take LKCHECKINTERVAL: $(try_on n1 cat /var/log/netraid/monitor.log)"

step "a bad value stops every command before it touches anything"
tunables n2 'LKDR_SPEED_LIMIT=fast'
OUT=$(nr n2 status datarep 2>&1); RC=$?
[ $RC = 2 ] || fail "status with a bad tunable exited $RC, expected 2"
echo "$OUT" | grep -q "LKDR_SPEED_LIMIT='fast' (/etc/default/LifeKeeper line 1)" || fail "the refusal does not name the key and line: $OUT"
echo "    $OUT"

step "n1 dies; n2 takes over without connecting its target (LKDR_CONNECT_NBD_DURING_RESTORE=False)"
tunables n2 'LKDR_CONNECT_NBD_DURING_RESTORE=False'
lab crash n1 > /dev/null
OUT=$(nr n2 restore datarep 2>&1) || fail "restore on n2 failed: $OUT"
echo "$OUT" | sed 's/^/    [n2 restore] /'
echo "$OUT" | grep -q "targets not connected now (LKDR_CONNECT_NBD_DURING_RESTORE=False)" || fail "restore did not say it left the targets"
echo "$OUT" | grep -q "n1: connect" && fail "restore tried to connect n1"
try_on n2 grep -q "md0 : active" /proc/mdstat || fail "md0 is not active on n2"
echo "PASS $TEST_NAME"
