#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A paused target's copy is readable on its own system (issue 15): pause stops
# n2's server and offers its leg's data as a loop device there; it mounts
# read-only and holds the files n1 wrote. Resume is refused while it is
# mounted, and leaves the legs byte-identical: a partial resync when nothing
# wrote to n2's leg (n1's file system frozen at the pause: a clean copy), a
# full one after a plain `mount -o ro` replayed ext4's journal there. n1 writes
# all along. What each kind of mount writes is measured and printed.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup
ma() { local node="$1"; shift; try_on "$node" env NETRAID="$NETRAID" "$SOURCE_DIR/scripts/mirror_action" "$@"; }
paused() { try_on n1 cat /run/netraid/$TAG.paused.json 2> /dev/null | tr -d ' \n'; }
# Bytes written to n2's leg so far (its own counter).
leg_writes() { bytes_written n2 /dev/ubda; }
# pause_n2: mirror_action pause, the loop device n2 offers in $LOOP.
pause_n2() {
  local out
  out=$(ma n1 $TAG pause 2>&1) || fail "pause failed: $out"
  LOOP=$(sed -n 's/.*readable there as \(\/dev\/loop[0-9]*\).*/\1/p' <<< "$out" | head -n1)
  [ -n "$LOOP" ] || fail "pause did not say where n2's copy is readable: $out"
  [ "$(paused)" = '["n2"]' ] || fail "paused targets are '$(paused)', expected n2"
  try_on n1 grep -q nbd /proc/mdstat && fail "n2's NBD leg is still in md0 after the pause"
  nr n2 serve --status $TAG > /dev/null && fail "n2 still serves $TAG while paused"
  nr n2 status $TAG | grep -E '^ +n2 +Paused' > /dev/null || { nr n2 status $TAG >&2; fail "status on n2 does not say Paused"; }
  echo "    n2's copy: $LOOP; status there: Paused"
}
# resume_n2 KIND: refused while mounted (checked by the caller), then accepted;
# n1 writes during the resync; sets COPIED (bytes to n2's leg).
resume_n2() {
  nbd_baseline n1
  ma n1 $TAG resume > "$SHARED/resume.out" 2>&1 || fail "resume failed: $(cat "$SHARED/resume.out")"
  sed 's/^/      /' "$SHARED/resume.out" | grep -E "copy|resync" || true
  write_file n1 /mnt "during-$1" 4
  wait_synced n1
  COPIED=$(bytes_written_since_baseline n1 "$(nbd_of n1 n2)")
  [ "$(paused)" = '[]' ] || fail "paused targets are '$(paused)' after resume"
}

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 24 MiB of files with checksums"
standard_mirror 24
DISK=$(array_size_bytes n1)
on n2 sh -c 'grep -q "^loop " /proc/modules || insmod /usr/lib/uml/modules/*/kernel/drivers/block/loop.ko'
on n2 mkdir -p /copy

step "round 1: n1's file system frozen at the pause (a clean copy); n1 writes on"
on n1 fsfreeze -f /mnt
pause_n2
on n1 fsfreeze -u /mnt
write_file n1 /mnt paused1 8

step "on n2: mount -o ro the copy, read the files; what the mount wrote"
W0=$(leg_writes)
on n2 mount -o ro "$LOOP" /copy
expect_files n2 /copy base
on n2 sync
W1=$(leg_writes)
echo "    mount -o ro of a clean copy wrote $((W1 - W0)) bytes to n2's leg"

step "resume refused while the copy is mounted on n2, nothing changed"
OUT=$(ma n1 $TAG resume 2>&1); RC=$?
[ $RC != 0 ] || fail "resume succeeded while n2's copy is mounted"
echo "$OUT" | grep -q "is mounted on /copy" || fail "resume's refusal does not say the copy is mounted: $OUT"
[ "$(echo "$OUT" | grep -c .)" = 1 ] || fail "resume's refusal is not one line: $OUT"
[ "$(paused)" = '["n2"]' ] || fail "the refused resume changed the paused targets to '$(paused)'"
echo "    exit $RC: $OUT"
write_file n1 /mnt paused1b 4

step "umount on n2, resume: nothing wrote to n2's leg -> partial resync"
on n2 umount /copy
W2=$(leg_writes)
resume_n2 1
echo "    n2's leg while released: $((W2 - W0)) bytes written; resync copied $COPIED bytes (array $DISK)"
if [ "$W2" = "$W0" ]; then
  expect_partial_resync "resume after a clean read-only mount" "$COPIED" "$DISK" $((12 << 20))
else
  # The mount wrote after all: resume must have copied everything.
  [ "$COPIED" -ge "$DISK" ] || fail "n2's leg was written while released, yet resume copied only $COPIED bytes"
fi
sync_and_compare n1 n2 "after round 1"

step "round 2: pause while n1's file system is in use (its journal needs recovery on the copy)"
pause_n2
write_file n1 /mnt paused2 8

step "on n2: mount -o ro,noload, then a plain mount -o ro; what each wrote"
W0=$(leg_writes)
on n2 mount -o ro,noload "$LOOP" /copy
on n2 ls /copy > /dev/null
on n2 umount /copy
on n2 blockdev --flushbufs /dev/ubda
W1=$(leg_writes)
echo "    mount -o ro,noload wrote $((W1 - W0)) bytes to n2's leg"
[ "$W1" = "$W0" ] || fail "mount -o ro,noload wrote $((W1 - W0)) bytes to n2's leg"
on n2 mount -o ro "$LOOP" /copy
expect_files n2 /copy base paused1 paused1b
on n2 umount /copy
on n2 blockdev --flushbufs /dev/ubda
W2=$(leg_writes)
echo "    plain mount -o ro wrote $((W2 - W1)) bytes to n2's leg (ext4's journal replayed)"
[ "$W2" -gt "$W1" ] || fail "a plain mount -o ro of a copy whose journal needs recovery wrote nothing: the full resync below is not tested"

step "resume: n2's leg was written while released -> full resync"
resume_n2 2
echo "    resync copied $COPIED bytes (array $DISK)"
[ "$COPIED" -ge "$DISK" ] || fail "n2's leg was written while released, yet resume copied only $COPIED bytes"
grep -q "released while paused: written" "$SHARED/resume.out" || fail "resume did not say n2's copy was written"
sync_and_compare n1 n2 "after round 2"
expect_files n1 /mnt base paused1 paused1b during-1 paused2 during-2
echo "PASS $TEST_NAME"
