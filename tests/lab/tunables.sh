#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper's tunables in each node's own /etc/default/LifeKeeper (read as
# data) change what netraid does: the bitmap chunk at create, the array's
# resync limits, the monitor's period, restore without connecting targets;
# a bad value stops a command before it touches anything. A mirror's own
# value (netraid set TAG --tunable) wins over the file for that mirror only,
# on every system of the mirror.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M,32M
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

step "a mirror's own LKDR_SPEED_LIMIT: its array takes it at once, another mirror keeps the file's"
nr n1 create other --local /dev/ubdb > /dev/null || fail "create of a second mirror failed"
OTHER_MD=$(try_on n1 sh -c 'basename "$(readlink -f "$1")"' sh /dev/md/netraid-other 2>/dev/null)
[ -n "$OTHER_MD" ] && [ "$OTHER_MD" != md0 ] || OTHER_MD=md1
OUT=$(nr n1 set datarep --tunable LKDR_SPEED_LIMIT=6000 2>&1) || fail "set --tunable failed: $OUT"
echo "$OUT" | sed 's/^/    /'
echo "$OUT" | grep -q "^datarep: LKDR_SPEED_LIMIT = 6000 (mirror config)$" || fail "set did not say the value in force"
[ "$(try_on n1 cat /sys/block/md0/md/sync_speed_max)" = "6000 (local)" ] ||
  fail "sync_speed_max of datarep's md0 is $(try_on n1 cat /sys/block/md0/md/sync_speed_max), not the mirror's 6000"
[ "$(try_on n1 cat /sys/block/$OTHER_MD/md/sync_speed_max)" = "4000 (local)" ] ||
  fail "sync_speed_max of other's $OTHER_MD is $(try_on n1 cat /sys/block/$OTHER_MD/md/sync_speed_max), not the file's 4000"
nr n1 show-config datarep | grep -q "^LKDR_SPEED_LIMIT = 6000 (mirror config)$" || fail "show-config datarep does not show the mirror's value"
nr n1 show-config other | grep -q "^LKDR_SPEED_LIMIT = 4000 (/etc/default/LifeKeeper)$" || fail "show-config other does not show the file's value"
# status_limit TAG: "VALUE ORIGIN" of LKDR_SPEED_LIMIT in n1's status --json.
status_limit() {
  nr n1 status --json 2>/dev/null | python3 -c 'import json,sys
t = [m["tunables"]["LKDR_SPEED_LIMIT"] for m in json.load(sys.stdin)["mirrors"] if m["tag"] == sys.argv[1]][0]
print(t["value"], t["origin"])' "$1"
}
[ "$(status_limit datarep)" = "6000 mirror config" ] || fail "status --json gives datarep's LKDR_SPEED_LIMIT as '$(status_limit datarep)'"
[ "$(status_limit other)" = "4000 /etc/default/LifeKeeper" ] || fail "status --json gives other's LKDR_SPEED_LIMIT as '$(status_limit other)'"
# A bad value: one line naming key, value and what is allowed; nothing changed.
BEFORE=$(try_on n1 cat /etc/netraid/datarep.json)
OUT=$(nr n1 set datarep --tunable LKDR_SPEED_LIMIT=fast 2>&1); RC=$?
[ $RC = 2 ] || fail "set --tunable LKDR_SPEED_LIMIT=fast exited $RC, expected 2"
[ "$(echo "$OUT" | wc -l)" = 1 ] || fail "the refusal is not one line: $OUT"
echo "$OUT" | grep -q "LKDR_SPEED_LIMIT='fast' (mirror config of datarep) is not a number of KB/s from 1 to 100000000" ||
  fail "the refusal does not name key, value and what is allowed: $OUT"
echo "    $OUT"
OUT=$(nr n1 set datarep --tunable LKCHECKINTERVAL=3 2>&1) && fail "LKCHECKINTERVAL was accepted per mirror"
echo "$OUT" | grep -q "is not a tunable a mirror can set" || fail "LKCHECKINTERVAL refused with: $OUT"
[ "$(try_on n1 cat /etc/netraid/datarep.json)" = "$BEFORE" ] || fail "a refused set changed datarep.json"
[ "$(try_on n1 cat /sys/block/md0/md/sync_speed_max)" = "6000 (local)" ] || fail "a refused set changed md0"
nr n1 delete other > /dev/null || fail "delete other failed"

step "extend: the initial sync runs near the mirror's 6000 KB/s, and n2 gets the mirror's config"
nr n1 extend datarep --target n2 > /dev/null || fail "extend failed"
try_on n2 cat /etc/netraid/datarep.json |
  python3 -c 'import json,sys; sys.exit(json.load(sys.stdin).get("tunables", {}).get("LKDR_SPEED_LIMIT") != "6000")' ||
  fail "n2's datarep.json has no LKDR_SPEED_LIMIT=6000: $(try_on n2 cat /etc/netraid/datarep.json)"
sleep 2  # past the start of the recovery
# Sectors md copied in 5 s, counted inside n1 (sync_completed: "done / total").
read -r A B < <(try_on n1 sh -c 'a=$(cut -d" " -f1 /sys/block/md0/md/sync_completed); sleep 5
                                 b=$(cut -d" " -f1 /sys/block/md0/md/sync_completed); echo "$a $b"')
RATE=$(( (B - A) / 2 / 5 ))  # KB/s
echo "    resync rate with LKDR_SPEED_LIMIT=6000 from the mirror's config: $RATE KB/s over 5 s"
# md throttles by its own windows of a few seconds: 5990 and 6963 KB/s were
# measured in two runs; unthrottled it runs many times faster.
[ "$RATE" -ge 3000 ] && [ "$RATE" -le 9000 ] || fail "resync ran at $RATE KB/s, not near the mirror's 6000 KB/s"
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

step "switchover with the mirror's own LKDR_CONNECT_NBD_DURING_RESTORE=False: restore returns, n1 reachable, not connected"
tunables n2 '# nothing'
OUT=$(nr n1 set datarep --tunable LKDR_CONNECT_NBD_DURING_RESTORE=False 2>&1) || fail "set --tunable failed: $OUT"
nr n2 show-config datarep | grep -q "^LKDR_CONNECT_NBD_DURING_RESTORE = False (mirror config)$" ||
  fail "n2 does not have the mirror's LKDR_CONNECT_NBD_DURING_RESTORE: $(nr n2 show-config datarep 2>&1)"
nr n1 remove datarep > /dev/null 2>&1 || fail "remove on n1 failed"
OUT=$(nr n2 restore datarep 2>&1) || fail "restore on n2 failed: $OUT"
echo "$OUT" | sed 's/^/    [n2 restore] /'
echo "$OUT" | grep -q "targets not connected now (LKDR_CONNECT_NBD_DURING_RESTORE=False)" || fail "restore did not say it left the targets"
try_on n2 grep -q "md0 : active" /proc/mdstat || fail "md0 is not active on n2"
# n1 is up and serves nothing yet: restore returned before any leg connected.
try_on n2 grep "^md0" /proc/mdstat | grep -q nbd && fail "restore connected a target: $(try_on n2 grep '^md0' /proc/mdstat)"
nr n2 status datarep | grep -Eq '^ +n1 +Out of Sync .*not attached' || { nr n2 status datarep >&2; fail "n2's status does not show n1 Out of Sync, not attached"; }
echo "    after restore: $(try_on n2 grep '^md0' /proc/mdstat)"
nr n2 resync datarep > /dev/null 2>&1 || fail "resync on n2 did not connect n1"
try_on n2 grep "^md0" /proc/mdstat | grep -q nbd || fail "n1 is not in n2's md0 after resync"
echo "    after resync: $(try_on n2 grep '^md0' /proc/mdstat)"
nr n2 wait datarep --timeout 300 > /dev/null 2>&1 || fail "n1 did not resync from n2"
# Back to n1 as the source, the mirror's value dropped: the file decides again.
nr n2 remove datarep > /dev/null 2>&1 || fail "remove on n2 failed"
nr n1 restore datarep > /dev/null 2>&1 || fail "restore on n1 failed"
nr n1 resync datarep > /dev/null 2>&1
wait_synced n1
nr n1 set datarep --tunable LKDR_CONNECT_NBD_DURING_RESTORE= > /dev/null || fail "dropping the mirror's value failed"
nr n2 show-config datarep | grep -q "^LKDR_CONNECT_NBD_DURING_RESTORE = True (default)$" || fail "n2 still has the mirror's value"

step "n1 dies; n2 takes over without connecting its target (LKDR_CONNECT_NBD_DURING_RESTORE=False)"
tunables n2 'LKDR_CONNECT_NBD_DURING_RESTORE=False'
lab crash n1 > /dev/null
OUT=$(nr n2 restore datarep 2>&1) || fail "restore on n2 failed: $OUT"
echo "$OUT" | sed 's/^/    [n2 restore] /'
echo "$OUT" | grep -q "targets not connected now (LKDR_CONNECT_NBD_DURING_RESTORE=False)" || fail "restore did not say it left the targets"
echo "$OUT" | grep -q "n1: connect" && fail "restore tried to connect n1"
try_on n2 grep -q "md0 : active" /proc/mdstat || fail "md0 is not active on n2"
# n2's file has no LKDR_SPEED_LIMIT: the mirror's own, shared by extend, is applied.
[ "$(try_on n2 cat /sys/block/md0/md/sync_speed_max)" = "6000 (local)" ] ||
  fail "n2's md0 sync_speed_max is $(try_on n2 cat /sys/block/md0/md/sync_speed_max), not the mirror's 6000"
echo "PASS $TEST_NAME"
