#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The campaign's checker must be able to fail. On the host, no lab: nrload
# writes 3000 numbered blocks into a file (its ack log beside it); the check
# passes; one acknowledged block set back to the write before it is reported
# (exactly that block, exit 1); a write never logged (a torn ack line) is the
# in-flight one and allowed; a block of zeros where an acknowledged write was
# is reported; the same checks through an extent map (a file in a filesystem,
# its extents scattered and not 4 KiB aligned, as filefrag shows them).
set -u
BUILD_DIR="${NETRAID_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}"
NRLOAD="$BUILD_DIR/tests/campaign/nrload"
fail() { echo "FAIL selftest-checker: $*" >&2; exit 1; }
[ -x "$NRLOAD" ] || fail "nrload is not built at $NRLOAD"
WORK=$(mktemp -d /var/tmp/nrload-selftest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
OFF=$((1 << 20))  # a leg image: the data area starts at 1 MiB
truncate -s $((OFF + 256 * 4096)) "$WORK/leg.img"
truncate -s $((256 * 4096)) "$WORK/dev"
ARGS=(--seed 7 --blocks 256 --log "$WORK/acks")

"$NRLOAD" write --dev "$WORK/dev" "${ARGS[@]}" --mode fsync --count 3000 2> /dev/null || fail "writer failed"
[ "$(wc -l < "$WORK/acks")" = 3000 ] || fail "expected 3000 acknowledged writes in the log, got $(wc -l < "$WORK/acks")"
dd if="$WORK/dev" of="$WORK/leg.img" bs=4096 seek=256 conv=notrunc status=none
"$NRLOAD" check --dev "$WORK/leg.img" --offset $OFF "${ARGS[@]}" > "$WORK/out" || fail "check of an intact copy failed: $(cat "$WORK/out")"
grep -q "checked [0-9]* blocks holding 3000 acknowledged writes (last seq 3000): 0 lost" "$WORK/out" || fail "unexpected summary: $(cat "$WORK/out")"
echo "    intact: $(cat "$WORK/out")"

# A writer continued after a "crash": the next write is the same seq, same block.
"$NRLOAD" write --dev "$WORK/dev" "${ARGS[@]}" --mode fsync --count 1 2> /dev/null || fail "writer failed"
[ "$(tail -n1 "$WORK/acks")" = "3001 $(tail -n1 "$WORK/acks" | cut -d' ' -f2)" ] || fail "the writer did not continue at seq 3001"
# Its ack is torn (the line unfinished): seq 3001 is the in-flight write, allowed.
head -c -1 "$WORK/acks" > "$WORK/acks.torn" && mv "$WORK/acks.torn" "$WORK/acks"
dd if="$WORK/dev" of="$WORK/leg.img" bs=4096 seek=256 conv=notrunc status=none
"$NRLOAD" check --dev "$WORK/leg.img" --offset $OFF "${ARGS[@]}" > "$WORK/out" ||
  fail "the in-flight write (a torn ack) was reported: $(cat "$WORK/out")"
grep -q "the in-flight write is there" "$WORK/out" || fail "the checker did not see the in-flight write: $(cat "$WORK/out")"
echo "    in-flight allowed: $(cat "$WORK/out")"

cp "$WORK/leg.img" "$WORK/leg2.img"
"$NRLOAD" check --dev "$WORK/leg.img" --offset $OFF "${ARGS[@]}" --flip-acked > "$WORK/out"; RC=$?
[ $RC = 1 ] || fail "a flipped acknowledged block: check exited $RC, expected 1: $(cat "$WORK/out")"
B=$(sed -n 's/^FLIPPED block \([0-9]*\):.*/\1/p' "$WORK/out")
[ -n "$B" ] || fail "nothing flipped: $(cat "$WORK/out")"
[ "$(grep -c '^LOST' "$WORK/out")" = 1 ] && grep -q "^LOST block $B: expected seq" "$WORK/out" ||
  fail "the checker did not report exactly the flipped block $B: $(cat "$WORK/out")"
echo "    flipped: $(grep -v '^checked' "$WORK/out" | tr '\n' ' ')"

# An acknowledged block gone back to zeros (a copy that missed it).
B2=$(tail -n 5 "$WORK/acks" | head -n1 | cut -d' ' -f2)
dd if=/dev/zero of="$WORK/leg2.img" bs=4096 seek=$((256 + B2)) count=1 conv=notrunc status=none
"$NRLOAD" check --dev "$WORK/leg2.img" --offset $OFF "${ARGS[@]}" > "$WORK/out"; RC=$?
[ $RC = 1 ] && grep -q "^LOST block $B2: .*found no write of this run" "$WORK/out" ||
  fail "a zeroed acknowledged block $B2 was not reported (exit $RC): $(cat "$WORK/out")"
echo "    zeroed: $(grep '^LOST' "$WORK/out")"
# Through --map: the written file's bytes scattered over an image in three
# extents, none 4 KiB aligned, in reverse order, the image's data at 1 MiB.
printf '%s\n' "0 1200003 5000" "5000 600001 500000" "505000 9 $((256 * 4096 - 505000))" > "$WORK/map"
python3 - "$WORK/dev" "$WORK/fs.img" $OFF "$WORK/map" <<'PY' || fail "could not scatter the copy"
import sys
src = open(sys.argv[1], "rb").read()
off = int(sys.argv[3])
with open(sys.argv[2], "wb") as img:
    for line in open(sys.argv[4]):
        fo, do, n = map(int, line.split())
        img.seek(off + do); img.write(src[fo:fo + n])
PY
"$NRLOAD" check --dev "$WORK/fs.img" --offset $OFF --map "$WORK/map" "${ARGS[@]}" > "$WORK/out" ||
  fail "check through the map of an intact copy failed: $(cat "$WORK/out")"
grep -q "holding 3000 acknowledged writes (last seq 3000): 0 lost, the in-flight write is there" "$WORK/out" ||
  fail "unexpected summary through the map: $(cat "$WORK/out")"
"$NRLOAD" check --dev "$WORK/fs.img" --offset $OFF "${ARGS[@]}" > /dev/null && fail "the scattered copy passed without its map"
"$NRLOAD" check --dev "$WORK/fs.img" --offset $OFF --map "$WORK/map" "${ARGS[@]}" --flip-acked > "$WORK/out"; RC=$?
B=$(sed -n 's/^FLIPPED block \([0-9]*\):.*/\1/p' "$WORK/out")
[ $RC = 1 ] && [ -n "$B" ] && [ "$(grep -c '^LOST' "$WORK/out")" = 1 ] && grep -q "^LOST block $B: expected seq" "$WORK/out" ||
  fail "through the map, the flipped block was not reported alone (exit $RC): $(cat "$WORK/out")"
echo "    through a map of 3 unaligned extents: intact passes; flipped block $B reported"
echo "0 0 4096" > "$WORK/map.short"
"$NRLOAD" check --dev "$WORK/fs.img" --offset $OFF --map "$WORK/map.short" "${ARGS[@]}" > /dev/null 2> "$WORK/err"; RC=$?
[ $RC = 2 ] && grep -q "a byte --map does not place" "$WORK/err" || fail "a map that does not cover the area: exit $RC, $(cat "$WORK/err")"
echo "PASS selftest-checker"
