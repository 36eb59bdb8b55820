#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper Scenario 1: the source dies while in sync; the target takes over
# with the data it has; the old source returns as a target and is resynced
# partially from the new source, including the chunks only it wrote (in
# flight when it died), which the bitmap merge makes md copy back over.
. "$(dirname "$0")/lib.sh"

# The second restore on n2 says so in JSON too.
restore_again_json() {
  OUT=$(nr n2 restore $TAG --json 2> /dev/null) || fail "a second restore on n2 failed"
  echo "    restore --json: $OUT"
  grep -q '"already_in_service":true' <<< "$OUT" || fail "restore --json on n2 did not say already in service: $OUT"
}
scenario1_failover restore_again_json

step "n2 reconnects n1: partial resync with n1's dirty chunks merged in"
BEFORE_LEGS=$(try_on n2 cat /run/netraid/$TAG.legs.json)
nr n2 resync $TAG > "$SHARED/resync.log" 2>&1
sed 's/^/    /' "$SHARED/resync.log"
grep -q "merging its $N1_DIRTY dirty chunk" "$SHARED/resync.log" || fail "n2 did not merge n1's bitmap before the re-add"
grep -q "re-add (partial resync)" "$SHARED/resync.log" || fail "n2 did not choose a partial re-add"
NBD=$(nbd_of n2 n1)
[ -n "$NBD" ] || fail "n2 recorded no NBD leg for n1 (legs before: $BEFORE_LEGS)"
expect_flag n1 sync_state resyncing
expect_flag n1 source n2
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
RESYNCED=$(bytes_written n2 "$NBD")
CHUNK=$((CHUNK_KIB * 1024))
DISK=$(array_size_bytes n2)
echo "    resynced to n1: $RESYNCED bytes; n1's own dirty: $((N1_DIRTY * CHUNK)); n2's dirty: $((N2_DIRTY * CHUNK)); disk $DISK"
expect_partial_resync "n1's return" "$RESYNCED" "$DISK" $((N1_DIRTY * CHUNK)) $((N1_DIRTY + N2_DIRTY)) "$CHUNK"

step "flags after the resync: n1 is n2's in-sync target with n2's generation"
expect_in_sync n2 n1
expect_flag n1 source n2
expect_no_flag n1 last_owner
[ "$(generation_of n1)" = "$G2" ] || fail "n1's generation $(generation_of n1) is not n2's $G2"

step "files intact on n2, legs byte-identical (n1's in-flight bytes overwritten)"
expect_files n2 /mnt base after
on n2 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
sync_and_compare n2 n1 "after the failover resync"
echo "PASS $TEST_NAME"
