#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper's `mirror_action TAG ACTION [SOURCE] [TARGET...]` on a mirror of
# n1 to n2 and n3: several targets at once, one target, all by default; a
# SOURCE that is not this system and a TARGET that is not one are refused
# before anything changes.
. "$(dirname "$0")/lib.sh"

lab_up 3 --disks 256M
netraid_lab_setup
# mirror_action in NODE, with this build's netraid.
ma() { local node="$1"; shift; try_on "$node" env NETRAID="$NETRAID" "$SOURCE_DIR/scripts/mirror_action" "$@"; }

step "mirror $TAG: n1 -> n2, n3, in sync"
nr n1 create $TAG --local /dev/ubda > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend to n2 failed"
nr n1 extend $TAG --target n3 > /dev/null || fail "extend to n3 failed"
wait_synced n1
paused() { try_on n1 cat /run/netraid/$TAG.paused.json 2> /dev/null | tr -d ' \n'; }

step "mirror_action $TAG pause n1 n2 n3: both targets out, writes tracked"
ma n1 $TAG pause n1 n2 n3 > /dev/null 2>&1 || fail "pause of two targets failed"
[ "$(paused)" = '["n2","n3"]' ] || fail "paused targets are '$(paused)', expected n2 and n3"
try_on n1 grep -q nbd /proc/mdstat && fail "an NBD leg is still in md0 after pausing both"
echo "    paused: $(paused)"

step "refused before anything changes: another source, a system that is no target, force with targets"
for args in "resume n2 n3" "resume n1 n9" "force n1 n2" "pause n1 n2 --yes"; do
  # shellcheck disable=SC2086
  OUT=$(ma n1 $TAG $args 2>&1); RC=$?
  [ $RC = 2 ] || fail "mirror_action $TAG $args exited $RC, expected 2: $OUT"
  [ "$(paused)" = '["n2","n3"]' ] || fail "mirror_action $TAG $args changed the paused targets"
  echo "    mirror_action $TAG $args: $(tail -n1 <<< "$OUT")"
done
ma n2 $TAG resume > /dev/null 2>&1 && fail "resume on n2, a target, succeeded"

step "mirror_action $TAG resume n1 n3: only n3 comes back (partial)"
ma n1 $TAG resume n1 n3 > /dev/null 2>&1 || fail "resume n3 failed"
[ "$(paused)" = '["n2"]' ] || fail "paused targets are '$(paused)', expected n2 only"
nr n1 wait $TAG --timeout 120 > /dev/null 2>&1  # ends degraded: n2 stays paused
try_on n1 grep -q "$(basename "$(nbd_of n1 n3)")" /proc/mdstat || fail "n3 is not back in md0"

step "mirror_action $TAG resume: every paused target; then fullresync n1 n2 copies n2 whole"
ma n1 $TAG resume > /dev/null 2>&1 || fail "resume of all failed"
[ "$(paused)" = '[]' ] || fail "paused targets are '$(paused)' after resuming all"
wait_synced n1
DISK=$(array_size_bytes n1)
NBD2=$(nbd_of n1 n2)
BEFORE2=$(bytes_written n1 "$NBD2")
NBD3=$(nbd_of n1 n3)
BEFORE3=$(bytes_written n1 "$NBD3")
ma n1 $TAG fullresync n1 n2 > /dev/null 2>&1 || fail "fullresync n2 failed"
wait_synced n1
COPIED2=$(( $(bytes_written n1 "$(nbd_of n1 n2)") - BEFORE2 ))
COPIED3=$(( $(bytes_written n1 "$NBD3") - BEFORE3 ))
echo "    fullresync n1 n2: $COPIED2 bytes to n2, $COPIED3 to n3 (array $DISK)"
[ "$COPIED2" -ge "$DISK" ] || fail "n2 got $COPIED2 bytes, less than the array"
[ "$COPIED3" -lt $((DISK / 4)) ] || fail "n3 was copied too ($COPIED3 bytes)"
sync_and_compare n1 n2 "n1 and n2 after fullresync"
sync_and_compare n1 n3 "n1 and n3"
echo "PASS $TEST_NAME"
