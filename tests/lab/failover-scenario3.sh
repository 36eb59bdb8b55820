#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper Scenario 3: both systems die; the old source boots first and
# cannot reach its target, which may have taken over meanwhile. Restore is
# refused and TAG_data_corrupt set; only Force Mirror Online (with
# confirmation) brings it in service, and the flag is gone. When the target
# returns it is resynced partially from the forced source.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup
CM_NODES="n1 n2"

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 32 MiB of files with checksums"
standard_mirror 32
G1=$(generation_of n1)
expect_flag n2 sync_state in_sync
sleep 7

step "both die"
lab crash n1 > /dev/null
lab crash n2 > /dev/null

step "n1 boots alone: restore refused, TAG_data_corrupt set"
lab boot n1 > /dev/null
cm_failover n2
[ "$CM_NODE" = n1 ] || fail "cluster manager chose $CM_NODE"
[ "$CM_RC" = 16 ] || fail "restore on n1 exited $CM_RC, expected 16 (refused: data corrupt)"
echo "$CM_OUT" | grep -q "cannot reach n2" || fail "restore did not say it cannot reach n2"
flag n1 data_corrupt > /dev/null || fail "TAG_data_corrupt was not set on n1"
echo "    n1: ${TAG}_data_corrupt set"
expect_flag n1 last_owner n1
try_on n1 test -e /sys/block/md0/md/array_state && fail "n1 assembled md0 although restore was refused"
OUT=$(nr n1 restore $TAG 2>&1) && fail "a second restore on n1 succeeded with data_corrupt set"
echo "    $OUT"
echo "$OUT" | grep -q "${TAG}_data_corrupt is set" || fail "second refusal does not name data_corrupt"
# Advice in the words of whoever asked: the CLI's ...
echo "$OUT" | grep -q "netraid force $TAG --yes" || fail "netraid restore did not advise netraid force"
echo "$OUT" | grep -q "mirror_action" && fail "netraid restore advised a LifeKeeper command"
# ... and the LifeKeeper scripts'.
OUT=$(try_on n1 "$SOURCE_DIR/scripts/netraid/restore" $TAG 2>&1) && fail "the LifeKeeper restore succeeded with data_corrupt set"
echo "$OUT" | grep -q "mirror_action $TAG force" || fail "the LifeKeeper restore did not advise mirror_action force: $OUT"
nr n1 quickcheck $TAG 2> /dev/null && fail "quickcheck says healthy while not in service"

step "force without confirmation: a loud refusal, nothing changed"
OUT=$(nr n1 force $TAG 2>&1); RC=$?
echo "    $OUT"
[ $RC = 2 ] || fail "force without --yes exited $RC, expected 2"
echo "$OUT" | grep -q "WARNING" || fail "force without --yes gave no warning"
OUT=$(try_on n1 "$SOURCE_DIR/scripts/mirror_action" $TAG force 2>&1); RC=$?
[ $RC != 0 ] || fail "mirror_action force without --yes succeeded"
# DataKeeper's form names the system to force online (`mirror_action TAG
# force eve`): another system than this one is refused, nothing changed.
OUT=$(try_on n1 "$SOURCE_DIR/scripts/mirror_action" $TAG force n2 --yes 2>&1); RC=$?
[ $RC = 2 ] || fail "mirror_action $TAG force n2 on n1 exited $RC, expected 2: $OUT"
echo "$OUT" | grep -q "runs on its source n2" || fail "mirror_action $TAG force n2 on n1 refused with: $OUT"
echo "    mirror_action $TAG force n2 (on n1): $OUT"
flag n1 data_corrupt > /dev/null || fail "TAG_data_corrupt vanished without confirmation"
try_on n1 test -e /sys/block/md0/md/array_state && fail "md0 came up without confirmation"

step "mirror_action $TAG force n1 --yes (DataKeeper's form, SOURCE named): in service on n1, flag gone"
on n1 "$SOURCE_DIR/scripts/mirror_action" $TAG force n1 --yes | sed 's/^/    /'
expect_no_flag n1 data_corrupt
expect_flag n1 last_owner n1
[ "$(flag n1 generation | sed -n 's/^history //p' | cut -d' ' -f1)" = "$G1" ] || fail "force did not start a new generation"
on n1 "$SOURCE_DIR/scripts/netraid/quickCheck" $TAG
on n1 "$SOURCE_DIR/scripts/filesys/quickCheck" $TAG
expect_files n1 /mnt base
write_file n1 /mnt after 6

step "n2 returns: it refuses restore, n1 resyncs it partially"
lab boot n2 > /dev/null
OUT=$(nr n2 restore $TAG 2>&1) && fail "restore on n2 succeeded while n1 has $TAG in service"
echo "    $OUT"
N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
nr n1 resync $TAG > "$SHARED/resync.log" 2>&1
sed 's/^/    /' "$SHARED/resync.log"
grep -q "re-add (partial resync)" "$SHARED/resync.log" || fail "n1 did not choose a partial re-add for n2"
NBD=$(nbd_of n1 n2)
nr n1 wait $TAG --timeout 300 > /dev/null || fail "resync of n2 did not finish"
RESYNCED=$(bytes_written n1 "$NBD")
CHUNK=$((CHUNK_KIB * 1024))
DISK=$(array_size_bytes n1)
echo "    resynced to n2: $RESYNCED bytes; n1's dirty chunks: $N1_DIRTY ($((N1_DIRTY * CHUNK)) bytes); disk $DISK"
expect_partial_resync "n2 after force on n1 (6 MiB written since)" "$RESYNCED" "$DISK" $((6 << 20))
expect_in_sync n1 n2

step "files intact on n1, legs byte-identical"
expect_files n1 /mnt base after
sync_and_compare n1 n2 "after force and resync"
echo "PASS $TEST_NAME"
