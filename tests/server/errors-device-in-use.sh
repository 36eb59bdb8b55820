# A block device in use elsewhere is refused with its own message, and its
# bytes stay as they were: mounted, held by dm, open exclusively by another
# program; and a regular file that backs a loop device.
. "$(dirname "$0")/lib.sh"
need md5sum

random_file "$WORK/disk.img" $((32 << 20))
loop_device "$WORK/disk.img"
dev=$LOOP

# Open exclusively: a first server holds the device with O_EXCL.
nbdkit -U - "$PLUGIN" dev="$dev" tag=t --run "
  rc=0; nbdkit -U - '$PLUGIN' dev='$dev' tag=t --run true 2>'$WORK/busy.err' || rc=\$?
  echo \$rc >'$WORK/busy.rc'
" || fail "the first server on $dev did not run"
[[ $(cat "$WORK/busy.rc") -ne 0 ]] || fail "a second server on $dev (held O_EXCL by the first) started"
grep -q "is open exclusively by another program" "$WORK/busy.err" ||
  fail "expected 'open exclusively' error, got: $(cat "$WORK/busy.err")"
[[ $(wc -l <"$WORK/busy.err") -eq 1 ]] || fail "expected one error line, got: $(cat "$WORK/busy.err")"
pass "open exclusively elsewhere: $(cat "$WORK/busy.err")"

# The loop's backing file cannot be served directly either.
sum=$(md5 "$WORK/disk.img")
expect_refusal "is in use by $dev" dev="$WORK/disk.img" tag=t

# Held by device-mapper: the loop device's holders list the dm device.
if command -v dmsetup >/dev/null && dmsetup version >/dev/null 2>&1; then
  name=netraid-test-$$
  if dmsetup create "$name" --table "0 $((32 << 11)) linear $dev 0" 2>/dev/null; then
    at_exit "dmsetup remove $name"
    expect_refusal "is in use by dm-" dev="$dev" tag=t
    dmsetup remove "$name"
  else
    echo "note: dmsetup create failed here, held-by-dm case not tested"
  fi
else
  echo "note: device-mapper not usable here, held-by-dm case not tested"
fi
[[ $(md5 "$WORK/disk.img") == "$sum" ]] || fail "bytes changed by a refused start"
pass "bytes unchanged after open-exclusive, loop-backing and dm refusals"

# Mounted: a filesystem on the loop device.
need mkfs.ext4 mount umount
# Read-only, inode tables and journal zeroed at mkfs: a read-write ext4 writes
# by itself (its lazy-init thread, journal commits) while the test compares
# bytes, which failed CI once. A read-only mount is still a mount to refuse.
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev" >/dev/null 2>&1 || skip "mkfs.ext4 on $dev failed"
mkdir "$WORK/mnt"
mount -o ro "$dev" "$WORK/mnt" 2>/dev/null || skip "cannot mount here (mount -o ro $dev failed)"
at_exit "umount $WORK/mnt"
sync
sum=$(md5 "$dev")
expect_refusal "is mounted on $WORK/mnt: unmount it" dev="$dev" tag=t
[[ $(md5 "$dev") == "$sum" ]] || fail "mounted device's bytes changed by a refused start"
pass "mounted device unchanged"
