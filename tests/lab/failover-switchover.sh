#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Switchover: a planned move of the mirror from n1 to n2 and back with the
# LifeKeeper scripts (remove on the source, restore on the target). Each move
# resyncs the old source partially (never in full) and the legs stay
# byte-identical. First the cluster manager's most common move: stop and
# start on the same system. No monitor runs and no resync pass is asked for:
# `wait` alone records that a target is in sync.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 24 MiB of files with checksums"
standard_mirror 24
expect_flag n2 sync_state in_sync
expect_flag n1 targets "n2 in_sync"
sleep 7

step "stop and start on n1 (remove, then restore on the same system)"
on n1 "$SOURCE_DIR/scripts/filesys/remove" $TAG 2> /dev/null
on n1 "$SOURCE_DIR/scripts/netraid/remove" $TAG 2> /dev/null
expect_no_flag n1 last_owner
expect_flag n1 source n1
OUT=$(try_on n1 "$SOURCE_DIR/scripts/filesys/restore" $TAG 2>&1) || { echo "$OUT"; fail "restore on n1 after its own clean remove failed"; }
echo "$OUT" | sed "s/^/    [n1 restore] /"
echo "$OUT" | grep -q "released $TAG cleanly; no target took over since" || fail "restore on n1 did not take the stop/start rule"
expect_flag n1 last_owner n1
on n1 "$SOURCE_DIR/scripts/filesys/quickCheck" $TAG
wait_synced n1
expect_files n1 /mnt base
expect_flag n2 sync_state in_sync
[ "$(generation_of n1)" = "$(generation_of n2)" ] || fail "n2 did not take n1's new generation after stop/start"
sync_and_compare n1 n2 "after stop/start on n1"
sleep 7

# switch FROM TO: remove on FROM, restore on TO, partial resync of FROM.
switch() {
  local from="$1" to="$2" out nbd resynced disk
  step "switchover $from -> $to"
  on "$from" "$SOURCE_DIR/scripts/filesys/remove" $TAG 2> /dev/null
  on "$from" "$SOURCE_DIR/scripts/netraid/remove" $TAG 2> /dev/null
  expect_no_flag "$from" last_owner
  nbd_baseline "$to"
  out=$(try_on "$to" "$SOURCE_DIR/scripts/filesys/restore" $TAG 2>&1) || { echo "$out"; fail "restore on $to failed"; }
  echo "$out" | sed "s/^/    [$to restore] /"
  echo "$out" | grep -q "switchover: $from released" || fail "restore on $to did not take the switchover rule"
  echo "$out" | grep -q "re-add (partial resync)" || fail "$from was not re-added partially"
  expect_flag "$to" last_owner "$to"
  on "$to" "$SOURCE_DIR/scripts/filesys/quickCheck" $TAG
  nbd=$(nbd_of "$to" "$from")
  nr "$to" wait $TAG --timeout 300 > /dev/null || fail "resync of $from did not finish"
  resynced=$(bytes_written_since_baseline "$to" "$nbd")
  disk=$(array_size_bytes "$to")
  echo "    resynced to $from by the switchover: $resynced bytes of $disk"
  expect_partial_resync "switchover $from -> $to" "$resynced" "$disk"
  expect_flag "$from" sync_state in_sync
  expect_flag "$from" source "$to"
  [ "$(generation_of "$from")" = "$(generation_of "$to")" ] || fail "$from did not take $to's generation"
}

switch n1 n2
expect_files n2 /mnt base
write_file n2 /mnt after 6
sync_and_compare n2 n1 "after the switchover to n2"

switch n2 n1
expect_files n1 /mnt base after
sync_and_compare n1 n2 "after the switchover back to n1"
echo "PASS $TEST_NAME"
