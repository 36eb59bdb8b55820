# SPDX-License-Identifier: GPL-2.0-or-later
# Each device the plugin must not serve: nbdkit exits non-zero before serving
# with one error line naming the problem, and the bytes stay as they were.
. "$(dirname "$0")/lib.sh"

random_file "$WORK/small.img" $((1 << 20))
before=$(md5 "$WORK/small.img")

expect_refusal "dev=$WORK/nope: does not exist" dev="$WORK/nope" tag=t
expect_refusal "is a directory, not a block device or regular file" dev="$WORK" tag=t
expect_refusal "is a character device, not a block device or regular file" dev=/dev/null tag=t
mkfifo "$WORK/fifo"
expect_refusal "is a fifo, not a block device or regular file" dev="$WORK/fifo" tag=t
expect_refusal "has 1048576 bytes but size=2097152 is needed" dev="$WORK/small.img" tag=t size=2M
expect_refusal "unknown parameter 'colour'" dev="$WORK/small.img" tag=t colour=red
expect_refusal "tag= is required" dev="$WORK/small.img"
expect_refusal "dev= is required" tag=t
expect_refusal "size=lots: not a size" dev="$WORK/small.img" tag=t size=lots
expect_refusal "tag=a/b: tag .a/b. contains ./." dev="$WORK/small.img" tag=a/b
: >"$WORK/empty.img"
expect_refusal "has size 0" dev="$WORK/empty.img" tag=t

[[ $(md5 "$WORK/small.img") == "$before" ]] || fail "the refused file changed"
pass "refused file unchanged"

# Read-only while writes are wanted: a read-only loop device (root ignores
# file modes, so a chmod'ed file would not do).
loop_device "$WORK/small.img" --read-only
ro=$LOOP
expect_refusal "is read-only but writes are wanted" dev="$ro" tag=t
# ...and accepted when no writes are wanted.
nbdkit -U - "$PLUGIN" dev="$ro" tag=t readonly=true --run 'nbdinfo --size "nbd+unix:///t?socket=$unixsocket"' \
  >"$WORK/size" 2>&1 || fail "readonly=true on a read-only device should serve: $(cat "$WORK/size")"
[[ $(cat "$WORK/size") == 1048576 ]] || fail "expected size 1048576, saw $(cat "$WORK/size")"
pass "read-only device served with readonly=true"
[[ $(md5 "$WORK/small.img") == "$before" ]] || fail "the read-only device's bytes changed"
pass "read-only device unchanged"
