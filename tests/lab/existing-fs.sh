#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# create --existing-fs: an ext4 that fills n1's /dev/ubda, with files, mounted
# on /mnt (noatime) and listed in fstab by UUID, becomes mirror datarep in
# place. Stopped after each step of the conversion (NETRAID_TEST_CRASH_AFTER,
# test-only) and the node crashed: the original file system still mounts
# from the raw partition with every file intact, and create run again
# finishes the conversion. Then: md metadata 1.0 (data offset 0, read from
# the superblock), the same file system UUID on md, the fstab line on md with
# noauto; extended to n2, failed over to n2, n1 back as a target with a
# partial resync; files intact everywhere and the legs byte-identical. An xfs
# that fills its device is refused with the amount to grow, left mounted.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M,320M
netraid_lab_setup
CM_NODES="n1 n2"
# Each node its own fstab (the nodes share the host's /etc).
for n in n1 n2; do
  sed -i "s|^{|{\n  \"fstab\": \"$LAB_DIR/nodes/$n/fstab\",|" "$LAB_DIR/nodes/$n/persist/etc-netraid/netraid.json"
done
FSTAB="$LAB_DIR/nodes/n1/fstab"

# fresh_fs: a new ext4 filling n1's /dev/ubda, files a (20 MiB) and b (30 MiB)
# with checksums, mounted on /mnt with noatime, in fstab by its UUID.
fresh_fs() {
  on n1 mkfs.ext4 -q -F /dev/ubda
  on n1 mount -o noatime /dev/ubda /mnt
  write_file n1 /mnt a 20
  write_file n1 /mnt b 30
  FS_UUID=$(on n1 blkid -p -s UUID -o value /dev/ubda)
  printf '# test fstab\nUUID=%s /mnt ext4 noatime 0 2\n' "$FS_UUID" > "$FSTAB"
  ORIGINAL_FSTAB=$(cat "$FSTAB")
}
# converted: md0 runs on /dev/ubda with metadata 1.0, /mnt is md0's with
# noatime, the files are there, fstab points at md0 with noauto.
converted() {
  local what="$1"
  try_on n1 test -e "/etc/netraid/$TAG.existing-fs" && fail "$what: the conversion journal is still there"
  on n1 mdadm --examine /dev/ubda | grep -q 'Version : 1.0' || fail "$what: /dev/ubda has no md 1.0 superblock"
  on n1 grep -q '^/dev/md0 /mnt ext4 rw,noatime' /proc/mounts || fail "$what: /mnt is not md0's with noatime: $(try_on n1 grep /mnt /proc/mounts)"
  expect_files n1 /mnt a b
  grep -q "^/dev/md0 /mnt ext4 noatime,noauto 0 2$" "$FSTAB" || fail "$what: fstab not pointed at md0: $(cat "$FSTAB")"
  grep -q "^# netraid: mirror $TAG .* was: UUID=$FS_UUID /mnt" "$FSTAB" || fail "$what: fstab keeps no note of the old line"
}

for STEP in unmounted shrunk md-created configured mounted fstab; do
  step "conversion stopped after '$STEP', n1 crashed and booted"
  fresh_fs
  out=$(try_on n1 env NETRAID_TEST_CRASH_AFTER=$STEP "$NETRAID" create $TAG --local /dev/ubda --existing-fs 2>&1); rc=$?
  [ $rc = 86 ] || fail "create stopped after $STEP exited $rc, expected 86: $out"
  lab crash n1 > /dev/null
  lab boot n1 > /dev/null
  on n1 mount -t ext4 -o ro,noload /dev/ubda /mnt
  expect_files n1 /mnt a b
  on n1 umount /mnt
  echo "    the original ext4 mounts from /dev/ubda, files a and b intact"
  if [ $STEP != fstab ]; then
    [ "$(cat "$FSTAB")" = "$ORIGINAL_FSTAB" ] || fail "fstab changed before its step: $(cat "$FSTAB")"
  fi
  step "create run again resumes and finishes"
  nr n1 create $TAG --local /dev/ubda --existing-fs > "$SHARED/resume.log" 2>&1 || { cat "$SHARED/resume.log"; fail "the resumed create failed"; }
  grep -q "resuming the conversion" "$SHARED/resume.log" || fail "create did not say it resumed"
  converted "resumed after $STEP"
  on n1 umount /mnt
  nr n1 delete $TAG > /dev/null || fail "delete failed"
  on n1 mdadm --zero-superblock /dev/ubda
done

step "conversion without a stop: ext4 filling /dev/ubda is shrunk, md 1.0 at the end, remounted"
fresh_fs
BEFORE_KIB=$(($(on n1 blockdev --getsize64 /dev/ubda) / 1024))
nr n1 create $TAG --local /dev/ubda --existing-fs --chunk $CHUNK_KIB > "$SHARED/create.log" 2>&1 || { cat "$SHARED/create.log"; fail "create --existing-fs failed"; }
sed 's/^/    /' "$SHARED/create.log"
converted "conversion"
MD_UUID=$(on n1 blkid -p -s UUID -o value /dev/md0)
[ "$MD_UUID" = "$FS_UUID" ] || fail "md0's file system UUID $MD_UUID is not the original $FS_UUID"
[ "$(data_offset_bytes n1 /dev/ubda)" = 0 ] || fail "md 1.0's data offset is not 0"
echo "    /dev/ubda $BEFORE_KIB KiB, md0 $(on n1 cat /sys/block/md0/md/component_size) KiB, ext4 $(on n1 df -k --output=size /mnt | tail -n1 | tr -d ' ') KiB; fs UUID $FS_UUID on md0 too"
on n1 mdadm --examine /dev/ubda | grep -E 'Version|Data Offset|Super Offset|Used Dev Size' | sed 's/^/    /'

step "extend to n2: full sync, legs identical; more files"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
wait_synced n1
write_file n1 /mnt c 10
sync_and_compare n1 n2 "after extend"
sleep 7  # md clears the bits of replicated writes lazily

step "failover: n1 writes 4 MiB n2 never gets (link cut), then crashes; n2 restores"
lab cut n1 n2 > /dev/null
make_pattern "$SHARED/inflight" 4
on n1 sh -c 'dd if="$1/inflight" of=/mnt/inflight bs=1M conv=fsync status=none' sh "$SHARED"
N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
echo "    n1's bitmap (read from the 1.0 superblock's offset by mdadm): $N1_DIRTY dirty chunks"
lab crash n1 > /dev/null
on n2 ip route del blackhole "$(lab addr n1)/32"
cm_failover n1
[ "$CM_NODE" = n2 ] && [ "$CM_RC" = 0 ] || fail "restore on n2 failed (exit $CM_RC)"
expect_files n2 /mnt a b c
on n2 mdadm --examine /dev/ubda | grep -q 'Version : 1.0' || fail "n2's leg is not md 1.0"
write_file n2 /mnt d 4

step "n1 boots, is refused, and comes back as n2's target with a partial resync"
lab boot n1 > /dev/null
out=$(nr n1 restore $TAG 2>&1); rc=$?
[ $rc = 13 ] || fail "restore on n1 exited $rc, expected 13: $out"
nbd_baseline n2
nr n2 resync $TAG > "$SHARED/resync.log" 2>&1 || { cat "$SHARED/resync.log"; fail "resync on n2 failed"; }
sed 's/^/    /' "$SHARED/resync.log"
grep -q "re-add (partial resync)" "$SHARED/resync.log" || fail "n2 did not choose a partial re-add"
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
NBD=$(nbd_of n2 n1)
RESYNCED=$(bytes_written_since_baseline n2 "$NBD")
echo "    resynced to n1: $RESYNCED bytes (n1 had $N1_DIRTY dirty chunks of $CHUNK_KIB KiB)"
expect_partial_resync "n1's return" "$RESYNCED" "$(array_size_bytes n2)" $((N1_DIRTY * CHUNK_KIB * 1024))
expect_files n2 /mnt a b c d
sync_and_compare n2 n1 "after failover and n1's return"

step "xfs that fills its device: refused with the amount to grow, left mounted and unchanged"
on n1 mkfs.xfs -q -f /dev/ubdb
on n1 mkdir -p /tmp/x
on n1 mount /dev/ubdb /tmp/x
write_file n1 /tmp/x e 5
out=$(nr n1 create xfsrep --local /dev/ubdb --existing-fs 2>&1); rc=$?
echo "    exit $rc: $out"
[ $rc = 1 ] || fail "create --existing-fs of a full xfs exited $rc, expected 1"
grep -q "xfs cannot shrink: md needs 16 KiB more at the end of /dev/ubdb: grow /dev/ubdb by at least 16 KiB" <<< "$out" ||
  fail "the refusal did not name the amount to grow"
on n1 grep -q '^/dev/ubdb /tmp/x xfs' /proc/mounts || fail "the xfs is no longer mounted"
expect_files n1 /tmp/x e
try_on n1 mdadm --examine /dev/ubdb > /dev/null 2>&1 && fail "an md superblock was written on /dev/ubdb"
try_on n1 test -e /etc/netraid/xfsrep.json && fail "a configuration of xfsrep was stored"
echo "    refused, xfs still mounted, no superblock, no configuration"
step "done"
