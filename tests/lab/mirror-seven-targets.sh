#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One source, seven targets: the most a mirror can have (md RAID1 of 8 legs).
# n1 mirrors to n2..n8; an eighth target is refused; writes land
# byte-identical on all eight legs; one target crashes while the source
# writes, the other six stay in sync, and when it boots a resync pass gives it
# back only the chunks its absence dirtied.
. "$(dirname "$0")/lib.sh"

lab_up 8 --disks 64M
netraid_lab_setup
TARGETS="n2 n3 n4 n5 n6 n7 n8"

step "n1: create $TAG; extend to $TARGETS (priority = node number)"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
for t in $TARGETS; do
  T0=$SECONDS
  nr n1 extend $TAG --target "$t" --priority "${t#n}" > /dev/null || fail "extend to $t failed"
  echo "    extend to $t: $((SECONDS - T0)) s"
done
T0=$SECONDS
wait_synced n1
echo "    initial syncs finished $((SECONDS - T0)) s after the last extend"
expect_md_health n1 "[UUUUUUUU]"
for t in $TARGETS; do
  flag n1 targets | grep -qx "$t in_sync" || fail "n1's targets flag does not say $t in_sync: $(flag n1 targets)"
  expect_flag "$t" sync_state in_sync
done

step "an eighth target is refused before anything is asked of it"
nr n1 extend $TAG --target n9 > /dev/null 2> "$SHARED/err" && fail "an eighth target was accepted"
grep -q "already has 7 targets" "$SHARED/err" || fail "the refusal does not say the limit: $(cat "$SHARED/err")"
echo "    $(cat "$SHARED/err")"
expect_md_health n1 "[UUUUUUUU]"

step "24 MiB through md0: all eight legs byte-identical"
make_pattern "$SHARED/pattern" 24
on n1 dd if="$SHARED/pattern" of=/dev/md0 bs=1M oflag=direct status=none
for t in $TARGETS; do sync_and_compare n1 "$t" "n1 and $t after 24 MiB"; done

step "n5 crashes while n1 writes 8 MiB; md runs on the other seven legs"
sleep 7  # md clears the bits of replicated writes lazily (daemon_sleep 5 s)
NBD5=$(nbd_of n1 n5)
[ -n "$NBD5" ] || fail "no NBD leg of n5 recorded on n1"
lab crash n5 > /dev/null
make_pattern "$SHARED/during" 8
on n1 dd if="$SHARED/during" of=/dev/md0 bs=1M seek=32 oflag=direct status=none
HEALTH=$(md_health n1)
[ "$(tr -cd _ <<< "$HEALTH")" = _ ] || fail "expected exactly one failed leg on n1, /proc/mdstat shows $HEALTH"
echo "    n1: md0 $HEALTH"
DIRTY=$(dirty_chunks n1 /dev/ubda)
[[ "$DIRTY" =~ ^[0-9]+$ ]] && [ "$DIRTY" -gt 0 ] || fail "expected dirty bitmap chunks on n1, got '$DIRTY'"

step "n5 boots; a resync pass re-adds it partially; all eight legs byte-identical"
BEFORE=$(bytes_written n1 "$NBD5")
lab boot n5 > /dev/null
nr n1 resync $TAG > "$SHARED/resync.log" 2>&1 || { cat "$SHARED/resync.log" >&2; fail "resync pass failed"; }
sed 's/^/    /' "$SHARED/resync.log"
grep -q "n5: re-add (partial resync)" "$SHARED/resync.log" || fail "n5 was not re-added partially"
wait_healthy n1 $TAG 120
[ "$(nbd_of n1 n5)" = "$NBD5" ] || fail "n5 came back as $(nbd_of n1 n5) instead of $NBD5"
RESYNCED=$(($(bytes_written n1 "$NBD5") - BEFORE))
DISK=$(array_size_bytes n1)
echo "    dirty: $DIRTY chunks x $CHUNK_KIB KiB = $((DIRTY * CHUNK_KIB * 1024)) bytes; resynced to n5: $RESYNCED bytes of $DISK"
expect_partial_resync "n5's return" "$RESYNCED" "$DISK" 1 "$DIRTY" $((CHUNK_KIB * 1024)) 0
expect_md_health n1 "[UUUUUUUU]"
for t in $TARGETS; do sync_and_compare n1 "$t" "n1 and $t after n5's partial resync"; done
echo "PASS $TEST_NAME"
