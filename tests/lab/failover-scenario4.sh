#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper Scenario 4: both systems die; the target boots first. It must not
# go in service (the source may hold writes it never got): Out of Sync (Wait
# for Previous Source). When the source returns, the mirror comes in service
# there and the target is resynced partially. Then both die once more and
# LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=30 bounds the wait: refused at first,
# counted from the first refusal, in service once 30 s passed.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup
CM_NODES="n1 n2"

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 32 MiB of files with checksums"
standard_mirror 32
G1=$(generation_of n1)
expect_flag n2 sync_state in_sync
sleep 7

step "both die; n2 boots first: restore refused (wait for previous source)"
lab crash n1 > /dev/null
lab crash n2 > /dev/null
lab boot n2 > /dev/null
cm_failover n1
[ "$CM_NODE" = n2 ] || fail "cluster manager chose $CM_NODE"
[ "$CM_RC" = 10 ] || fail "restore on n2 exited $CM_RC, expected 10 (refused: wait for previous source)"
OUT=$(nr n2 restore $TAG --json 2> /dev/null); RC=$?
echo "    restore --json: $OUT"
[ $RC = 10 ] && grep -q '"exit_code":10' <<< "$OUT" ||
  fail "restore --json on n2 exited $RC with '$OUT', expected a JSON object with exit_code 10"
grep -q '"refused":"wait_for_previous_source"' <<< "$OUT" && grep -q '"peer":"n1"' <<< "$OUT" ||
  fail "restore --json on n2 did not say whom it waits for: $OUT"
echo "$CM_OUT" | grep -q "Wait for Previous Source" || fail "restore on n2 did not say it waits for n1"
expect_no_flag n2 last_owner
expect_no_flag n2 data_corrupt
expect_flag n2 source n1
try_on n2 test -e /sys/block/md0/md/array_state && fail "n2 assembled md0 although restore was refused"
# The operator sees DataKeeper's words for the wait on n2.
STATUS=$(nr n2 status $TAG 2> /dev/null)
echo "$STATUS" | grep -q "n2 .*Out of Sync (Wait for Previous Source)" &&
  echo "$STATUS" | grep -q "n1 .*Out of Sync (Previous Source)" ||
  fail "status on n2 does not show the wait for n1: $STATUS"
try_on n2 "$SOURCE_DIR/scripts/netraid/restore" -t $TAG -i $TAG 2> /dev/null; RC=$?
[ $RC = 10 ] || fail "scripts/netraid/restore on n2 exited $RC, expected netraid's 10 passed through"
try_on n2 "$SOURCE_DIR/scripts/netraid/quickCheck" $TAG 2> /dev/null && fail "quickCheck on n2 says in service"

step "n1 returns: restore on n2 still refused (n1 was the source), restore on n1 succeeds"
lab boot n1 > /dev/null
OUT=$(nr n2 restore $TAG 2>&1); RC=$?
echo "    $OUT"
[ $RC = 14 ] || fail "restore on n2 exited $RC while n1 is back with last_owner, expected 14 (refused: previous source up)"
echo "$OUT" | grep -q "n1 is up and was the source" || fail "restore on n2 gave another reason"
OUT=$(try_on n1 "$SOURCE_DIR/scripts/filesys/restore" $TAG 2>&1) || { echo "$OUT"; fail "restore on n1 failed"; }
echo "$OUT" | sed 's/^/    [n1 restore] /'
echo "$OUT" | grep -q "re-add (partial resync)" || fail "n1 did not re-add n2 partially"
expect_flag n1 last_owner n1
expect_no_flag n1 data_corrupt
[ "$(flag n1 generation | sed -n 's/^history //p' | cut -d' ' -f1)" = "$G1" ] || fail "n1 did not start a new generation"
on n1 "$SOURCE_DIR/scripts/filesys/quickCheck" $TAG
NBD=$(nbd_of n1 n2)
[ -n "$NBD" ] || fail "n1 has no leg for n2"
nr n1 wait $TAG --timeout 300 > /dev/null || fail "resync of n2 did not finish"
RESYNCED=$(bytes_written n1 "$NBD")
DISK=$(array_size_bytes n1)
echo "    resynced to n2 after both died in sync: $RESYNCED bytes of $DISK"
expect_partial_resync "n2 after both died in sync" "$RESYNCED" "$DISK"

step "n1 writes 6 MiB; n2 gets it; flags and legs agree"
write_file n1 /mnt after 6
nr n1 wait $TAG --timeout 300 > /dev/null || fail "n2 did not stay in sync"
expect_in_sync n1 n2
expect_files n1 /mnt base after
sync_and_compare n1 n2 "after the source returned"

step "scripts: filesys remove unmounts only, netraid remove takes the mirror out of service"
on n1 "$SOURCE_DIR/scripts/filesys/remove" $TAG 2> /dev/null
try_on n1 "$SOURCE_DIR/scripts/filesys/quickCheck" $TAG 2> /dev/null && fail "filesys quickCheck healthy after unmount"
on n1 "$SOURCE_DIR/scripts/netraid/quickCheck" $TAG
on n1 "$SOURCE_DIR/scripts/netraid/remove" $TAG 2> /dev/null
try_on n1 test -e /sys/block/md0/md/array_state && fail "md0 still active on n1 after remove"
try_on n1 "$SOURCE_DIR/scripts/netraid/quickCheck" $TAG 2> /dev/null && fail "quickCheck healthy after remove"
expect_no_flag n1 last_owner

step "both down again; n2 boots first with LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=30"
lab crash n1 > /dev/null
lab crash n2 > /dev/null
lab boot n2 > /dev/null
restore_with_timeout() { try_on n2 env LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=30 "$NETRAID" restore $TAG 2>&1; }
OUT=$(restore_with_timeout) && { echo "$OUT"; fail "restore on n2 went in service at once with a 30 s wait"; }
echo "    $OUT"
echo "$OUT" | grep -q "Wait for Previous Source.*waiting 30 s more" || fail "the first refusal did not start a 30 s wait"
STARTED=$(flag n2 wait_started) || fail "the first refusal did not record ${TAG}_wait_started on n2"
sleep 2
OUT=$(restore_with_timeout) && { echo "$OUT"; fail "restore on n2 went in service $(($(try_on n2 date +%s) - STARTED)) s into a 30 s wait"; }
LEFT=$(echo "$OUT" | sed -n 's/.*waiting \([0-9]*\) s more.*/\1/p')
echo "    a second restore: $LEFT s left"
[ -n "$LEFT" ] && [ "$LEFT" -lt 30 ] && [ "$LEFT" -gt 0 ] || fail "the wait was not counted from the first refusal: '$OUT'"
[ "$(flag n2 wait_started)" = "$STARTED" ] || fail "${TAG}_wait_started moved on the second refusal"
until [ "$(try_on n2 date +%s)" -ge $((STARTED + 30)) ]; do sleep 1; done
OUT=$(restore_with_timeout) || { echo "$OUT"; fail "restore on n2 was refused after the 30 s wait expired"; }
echo "$OUT" | sed 's/^/    [n2 restore] /'
echo "$OUT" | grep -q "n1 did not return within 30 s" || fail "restore on n2 did not say the wait expired"
expect_flag n2 last_owner n2
expect_no_flag n2 wait_started
try_on n2 test -e /sys/block/md0/md/array_state || fail "md0 is not active on n2 after its restore"
echo "PASS $TEST_NAME"
