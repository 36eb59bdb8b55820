#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One source, two targets, cascading failover by priority: n1 (priority 1)
# mirrors to n2 (priority 2) and n3 (priority 3). n1 dies: the cluster
# manager picks n2, which takes over and gives n3 a partial resync (never a
# full one), then takes n1 back partially. n2 dies: the next by priority, n1,
# takes over and resyncs both others partially. After every resync all legs
# hold the same bytes.
. "$(dirname "$0")/lib.sh"

lab_up 3 --disks 256M
netraid_lab_setup
CM_NODES="n1 n2 n3"

step "mirror $TAG: n1 -> n2 (priority 2), n3 (priority 3); ext4 on /mnt; 24 MiB of files"
nr n1 create $TAG --local /dev/ubda --mount /mnt --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 --priority 2 > /dev/null || fail "extend to n2 failed"
nr n1 extend $TAG --target n3 --priority 3 > /dev/null || fail "extend to n3 failed"
wait_synced n1
expect_md_health n1 "[UUU]"
write_file n1 /mnt base 24
nr n1 resync $TAG > /dev/null
expect_flag n1 targets $'n2 in_sync\nn3 in_sync'
expect_flag n2 sync_state in_sync
expect_flag n3 sync_state in_sync
sync_and_compare n1 n2 "n1 and n2 after the initial syncs"
sync_and_compare n1 n3 "n1 and n3 after the initial syncs"
sleep 7  # md clears the bits of replicated writes lazily (daemon_sleep 5 s)

# wait_idle NODE: md on NODE copies nothing any more (a missing leg may remain).
wait_idle() {
  local i
  for i in $(seq 600); do
    [ "$(try_on "$1" cat /sys/block/md0/md/sync_action)" = idle ] && ! try_on "$1" grep -q 'recovery\|resync' /proc/mdstat &&
      return 0
    sleep 0.5
  done
  fail "md0 on $1 still resyncing after 300 s"
}
# expect_partial SOURCE TARGET LOG: LOG (a restore or resync pass on SOURCE)
# re-added TARGET partially; once md is idle, the bytes written to TARGET's
# NBD leg since the baseline are well under the disk.
expect_partial() {
  local src="$1" tgt="$2" log="$3" nbd resynced disk
  grep -q "$tgt: re-add (partial resync)" "$log" || fail "$src did not re-add $tgt partially"
  nbd=$(nbd_of "$src" "$tgt")
  [ -n "$nbd" ] || fail "$src recorded no NBD leg for $tgt"
  wait_idle "$src"
  resynced=$(bytes_written_since_baseline "$src" "$nbd")
  disk=$(array_size_bytes "$src")
  echo "    resynced to $tgt from $src: $resynced bytes of $disk"
  expect_partial_resync "resync of $tgt from $src" "$resynced" "$disk"
}
# take_back SOURCE TARGET: a resync pass on SOURCE re-adds TARGET partially.
take_back() {
  nr "$1" resync $TAG > "$SHARED/resync.$2.log" 2>&1
  sed 's/^/    /' "$SHARED/resync.$2.log"
  expect_partial "$1" "$2" "$SHARED/resync.$2.log"
}
# source_dies DEAD NEXT: DEAD crashes; the cluster manager must pick NEXT,
# whose restore succeeds; its output goes to $SHARED/restore.NEXT.log.
source_dies() {
  lab crash "$1" > /dev/null
  nbd_baseline "$2"
  cm_failover "$1"
  [ "$CM_NODE" = "$2" ] || fail "cluster manager chose $CM_NODE, expected $2"
  [ "$CM_RC" = 0 ] || fail "restore on $2 failed (exit $CM_RC)"
  expect_flag "$2" last_owner "$2"
  echo "$CM_OUT" > "$SHARED/restore.$2.log"
}

step "n1 crashes; the cluster manager picks n2 (priority 2 before 3)"
source_dies n1 n2
expect_files n2 /mnt base

step "restore on n2 took n3 over from n1 with a partial resync; n2 writes 6 MiB as the new source"
expect_partial n2 n3 "$SHARED/restore.n2.log"
write_file n2 /mnt on_n2 6
nr n2 resync $TAG > /dev/null
expect_flag n3 sync_state in_sync
expect_flag n3 source n2
sync_and_compare n2 n3 "n2 and n3 after n2 took over"

step "n1 boots: restore refused there (in service on n2); n2 takes it back partially"
lab boot n1 > /dev/null
OUT=$(nr n1 restore $TAG 2>&1) && fail "restore on n1 succeeded although n2 is in service: $OUT"
echo "$OUT" | grep -q "in service on n2" || fail "restore on n1 did not say why it refused: $OUT"
take_back n2 n1
nr n2 resync $TAG > /dev/null
expect_flag n2 targets $'n1 in_sync\nn3 in_sync'
expect_flag n1 source n2
sync_and_compare n2 n1 "n2 and n1 after n1 returned"
sync_and_compare n2 n3 "n2 and n3 after n1 returned"
sleep 7

step "n2 crashes; the cluster manager picks n1 (priority 1), which resyncs n3 and then n2 partially"
source_dies n2 n1
expect_partial n1 n3 "$SHARED/restore.n1.log"
write_file n1 /mnt on_n1 4
lab boot n2 > /dev/null
take_back n1 n2
nr n1 resync $TAG > /dev/null
expect_flag n1 targets $'n2 in_sync\nn3 in_sync'
expect_flag n2 source n1
expect_flag n3 source n1
expect_md_health n1 "[UUU]"

step "every file intact on n1; all three legs byte-identical"
expect_files n1 /mnt base on_n2 on_n1
on n1 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
sync_and_compare n1 n2 "n1 and n2 at the end"
sync_and_compare n1 n3 "n1 and n3 at the end"

step "unextend n3: two legs left, n3 serves nothing, n2's configuration no longer lists n3"
nr n1 unextend $TAG n3 > /dev/null || fail "unextend of n3 failed"
expect_md_health n1 "[UU]"
try_on n3 "$NETRAID" serve --status $TAG > /dev/null && fail "n3 still serves $TAG"
try_on n2 cat /etc/netraid/$TAG.json | grep -q '"n3"' && fail "n2's configuration of $TAG still lists n3"
try_on n2 cat /etc/netraid/$TAG.json | grep -q '"n1"' || fail "n2 lost its configuration of $TAG"
echo "PASS $TEST_NAME"
