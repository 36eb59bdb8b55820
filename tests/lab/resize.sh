#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper's `mirror_resize [-f] [-s KB] TAG` (netraid resize) grows a
# mirror in service: ext4 mounted on n1's mirror to n2, a writer running, the
# legs (dm-linear over a bigger disk, as lvextend would) grown on both
# systems; md, the NBD leg and the target's export take the new size with no
# failed leg and no resync of the old area, resize2fs grows the file system,
# the writer kept going and the legs are byte-identical. Each refusal (nothing
# to grow, a target smaller than the source, -s larger than the smallest leg,
# -s shrinking, no -f and no terminal) exits non-zero with md's size unchanged.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 512M
netraid_lab_setup
OLD_MIB=256 NEW_MIB=384
# Each leg: /dev/dm-0, a linear map of the first MIB MiB of /dev/ubda.
for n in n1 n2; do
  on $n sh -c 'grep -q "^dm_mod " /proc/modules || insmod /usr/lib/uml/modules/*/kernel/drivers/md/dm-mod.ko'
  leg_map $n $OLD_MIB create
done
mr() { try_on n1 env NETRAID="$NETRAID" "$SOURCE_DIR/scripts/mirror_resize" "$@"; }
md_kib() { try_on n1 cat /sys/block/md0/md/component_size; }

step "mirror $TAG: n1 -> n2 on /dev/dm-0 ($OLD_MIB MiB each), ext4 on /mnt, in sync"
nr n1 create $TAG --local /dev/dm-0 --mount /mnt > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 --target-device /dev/dm-0 > /dev/null || fail "extend failed"
wait_synced n1
NBD=$(nbd_of n1 n2)
OLD_KIB=$(md_kib)
DF_BEFORE=$(try_on n1 df -k --output=size /mnt | tail -n1 | tr -d ' ')
echo "    md0 component size $OLD_KIB KiB, ext4 $DF_BEFORE KiB, leg of n2 is $NBD"

# refused NAME EXPECTED_EXIT ARGS...: mirror_resize ARGS exits EXPECTED_EXIT
# and md's size, the NBD leg's size and md's health stay as they were.
refused() {
  local what="$1" want="$2" out rc nbd_size
  shift 2
  nbd_size=$(try_on n1 cat /sys/block/${NBD#/dev/}/size)
  out=$(mr "$@" 2>&1 < /dev/null); rc=$?
  [ "$rc" = "$want" ] || fail "$what: mirror_resize $* exited $rc, expected $want: $out"
  [ "$(md_kib)" = "$OLD_KIB" ] || fail "$what: md0's size changed to $(md_kib) KiB"
  [ "$(try_on n1 cat /sys/block/${NBD#/dev/}/size)" = "$nbd_size" ] || fail "$what: $NBD's size changed"
  expect_md_health n1 "[UU]"
  echo "    $what: exit $rc: $(tail -n1 <<< "$out")"
}

step "refused before anything changes: nothing grew"
refused "nothing to grow" 1 -f $TAG

step "only n1's leg grew: the target is smaller, refused"
leg_map n1 $NEW_MIB reload
refused "target smaller" 1 -f $TAG

step "n2's leg grew too; -s too large, -s shrinking, no -f and no terminal: refused"
leg_map n2 $NEW_MIB reload
refused "-s larger than the smallest leg" 2 -f -s $((NEW_MIB * 1024)) $TAG
refused "-s shrinking" 2 -f -s $((OLD_KIB - 1024)) $TAG
refused "no -f, no terminal" 2 $TAG

step "a writer on /mnt (256 KiB + fsync every 0.2 s, 40 files in turn, at most 150 s)"
on n1 touch /run/writer.go
on n1 sh -c 'setsid sh -c '\''i=0; end=$(($(date +%s) + 150))
  while [ -f /run/writer.go ] && [ $(date +%s) -lt $end ]; do
    dd if=/dev/urandom of=/mnt/w.$((i % 40)) bs=256k count=1 conv=fsync 2> /dev/null || { echo "write $i failed" > /run/writer.err; exit 1; }
    i=$((i + 1)); echo $i > /run/writer.count; sleep 0.2
  done'\'' < /dev/null > /dev/null 2>&1 &'
sleep 3
writes() { try_on n1 cat /run/writer.count 2> /dev/null || echo 0; }
[ "$(writes)" -gt 0 ] || fail "the writer did not start"

step "mirror_resize -f $TAG under the writer"
BEFORE_BYTES=$(bytes_written n1 "$NBD")
W0=$(writes)
T0=$SECONDS
OUT=$(mr -f $TAG 2>&1) || fail "mirror_resize -f $TAG failed: $OUT"
echo "$OUT" | sed 's/^/    /'
echo "    mirror_resize took $((SECONDS - T0)) s; the writer wrote $(( $(writes) - W0 )) times meanwhile"
grep -q "resize2fs /dev/md0" <<< "$OUT" || fail "mirror_resize did not print the file system's grow step"
NEW_KIB=$(md_kib)
# md's data starts 1 MiB into each leg here (mdadm's default for this size).
WANT_KIB=$(( (NEW_MIB - 1) * 1024 ))
[ "$NEW_KIB" = "$WANT_KIB" ] || fail "md0's component size is $NEW_KIB KiB, expected $WANT_KIB"
[ "$(array_size_bytes n1)" = $((WANT_KIB * 1024)) ] || fail "md0 is $(array_size_bytes n1) bytes"
[ "$(try_on n1 cat /sys/block/${NBD#/dev/}/size)" = $((NEW_MIB * 2048)) ] ||
  fail "$NBD has $(try_on n1 cat /sys/block/${NBD#/dev/}/size) sectors, expected $((NEW_MIB * 2048))"
EXPORT=$(try_on n1 nbdinfo --size "$(export_uri n1 n2)") || fail "nbdinfo could not read n2's export"
[ "$EXPORT" = $((NEW_MIB << 20)) ] || fail "n2 exports $EXPORT bytes, expected $((NEW_MIB << 20))"
echo "    md0 $OLD_KIB -> $NEW_KIB KiB; $NBD and n2's export (nbdinfo) $EXPORT bytes"
try_on n1 dmesg | grep -q "Disk failure on ${NBD#/dev/}" && fail "md failed $NBD during the resize"
try_on n1 mdadm -X /dev/dm-0 | grep -E "Sync Size|Bitmap :" | sed 's/^ */    bitmap: /'

step "md resyncs the added region only; resize2fs grows ext4 under the writer"
wait_synced n1
COPIED=$(( $(bytes_written n1 "$NBD") - BEFORE_BYTES ))
ADDED=$(( (NEW_KIB - OLD_KIB) * 1024 ))
echo "    written to $NBD since the resize: $COPIED bytes (added region $ADDED bytes, plus the writer's)"
[ "$COPIED" -ge "$ADDED" ] || fail "only $COPIED bytes went to $NBD, less than the $ADDED added"
[ "$COPIED" -lt $((ADDED + (64 << 20))) ] || fail "$COPIED bytes went to $NBD: more than the added region and the writer"
expect_md_health n1 "[UU]"
on n1 resize2fs /dev/md0 > /dev/null 2>&1
DF_AFTER=$(try_on n1 df -k --output=size /mnt | tail -n1 | tr -d ' ')
echo "    ext4: $DF_BEFORE -> $DF_AFTER KiB"
[ "$DF_AFTER" -gt $((DF_BEFORE + 100000)) ] || fail "ext4 did not grow: $DF_BEFORE -> $DF_AFTER KiB"
W1=$(writes)
sleep 2
[ "$(writes)" -gt "$W1" ] || fail "the writer stopped"
on n1 rm -f /run/writer.go
sleep 1
try_on n1 test -f /run/writer.err && fail "the writer saw an error: $(try_on n1 cat /run/writer.err)"
echo "    the writer wrote $(writes) times in all, none failed"

step "the legs are byte-identical over the whole grown data area"
sync_and_compare n1 n2 "n1 and n2 after the resize"
echo "PASS $TEST_NAME"
