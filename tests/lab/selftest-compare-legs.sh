#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The leg comparison every lab test relies on must be able to fail: two equal
# images pass, the same images with one byte flipped in one leg's data area
# are reported as different. Runs on the host, no lab needed.
. "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d /var/tmp/netraid-selftest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/n1" "$WORK/n2"
make_pattern "$WORK/data" 4
# Leg 1 has its data at 1 MiB, leg 2 at 2 MiB, as md may place them.
{ head -c 1M /dev/zero; cat "$WORK/data"; } > "$WORK/n1/disk0.img"
{ head -c 2M /dev/zero; cat "$WORK/data"; } > "$WORK/n2/disk0.img"

step "equal data areas at different offsets compare equal"
( compare_legs "$WORK/n1/disk0.img" $((1 << 20)) "$WORK/n2/disk0.img" $((2 << 20)) $((4 << 20)) "selftest" ) ||
  fail "equal legs were reported as different"

step "one flipped byte in leg 2 is caught"
printf '\x5a' | dd of="$WORK/n2/disk0.img" bs=1 seek=$(((2 << 20) + 3000000)) conv=notrunc status=none
if ( compare_legs "$WORK/n1/disk0.img" $((1 << 20)) "$WORK/n2/disk0.img" $((2 << 20)) $((4 << 20)) "selftest" ) 2> "$WORK/err"; then
  fail "a corrupted leg was not detected"
fi
grep -q "legs differ" "$WORK/err" || fail "the failure message does not say the legs differ: $(cat "$WORK/err")"
echo "PASS $TEST_NAME"
