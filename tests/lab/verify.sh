#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Online verify (issue 16): `netraid verify TAG` compares the legs of a mirror
# in service, mounted, while a writer runs (md's check), and finds them
# identical; the rate follows the array's speed limit. One byte flipped on
# n2's leg behind md's back: verify reports it (exit 1, md's mismatch count,
# the region that holds the byte), `--repair` copies n1's leg over it, verify
# then finds the legs identical and they are byte for byte. Refused with the
# reason (exit 3, nothing started) while n2 is paused and while it resyncs.
# Measures and prints the time and rate of each verify.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

# verify ARGS...: `netraid verify` on n1; sets OUT (stdout and stderr), RC, TOOK (s).
verify() {
  local t0=$SECONDS
  OUT=$(nr n1 verify $TAG "$@" 2>&1); RC=$?
  TOOK=$((SECONDS - t0))
  sed 's/^/      /' <<< "$OUT" | tail -n 4
}
# last_verify FIELD: that field of status --json's last_verify on n1.
last_verify() {
  nr n1 status $TAG --json | python3 -c 'import json,sys; v=json.load(sys.stdin)["mirrors"][0]["last_verify"]; print(json.dumps(v[sys.argv[1]]) if v else "null")' "$1"
}
mismatch_cnt() { try_on n1 cat /sys/block/md0/md/mismatch_cnt; }
start_writer() {
  on n1 sh -c 'setsid sh -c "i=0; while :; do dd if=/dev/urandom of=/mnt/busy.\$((i % 4)) bs=64k count=16 conv=fsync status=none; i=\$((i + 1)); sleep 0.2; done" > /dev/null 2>&1 < /dev/null & echo $! > /run/writer.pid'
}
stop_writer() { on n1 sh -c 'kill "$(cat /run/writer.pid)"'; }

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 24 MiB of files"
standard_mirror 24
DISK=$(array_size_bytes n1)
echo "    array: $DISK bytes; speed limits: max $(try_on n1 cat /sys/block/md0/md/sync_speed_max), min $(try_on n1 cat /sys/block/md0/md/sync_speed_min)"

step "verify while a writer runs (1 MiB fsynced every 0.2 s): identical, exit 0"
start_writer
verify
stop_writer
[ $RC = 0 ] || fail "verify of an in-sync mirror exited $RC: $OUT"
grep -q "$TAG: legs identical ($DISK bytes compared" <<< "$OUT" || fail "verify did not say the legs are identical: $OUT"
echo "    verify under writes: $TOOK s for $DISK bytes ($((DISK / 1000000 / (TOOK > 0 ? TOOK : 1))) MB/s)"
[ "$(last_verify result)" = '"identical"' ] || fail "status --json last_verify.result is $(last_verify result)"
nr n1 status $TAG | grep -q "Last Verify : identical, check of $DISK bytes" || { nr n1 status $TAG >&2; fail "status does not show the last verify"; }
nr n1 status $TAG | grep "Last Verify"

step "verify at a speed limit of 20000 KB/s: md's check keeps to it"
nr n1 set $TAG --speed-limit 20000 --speed-limit-min 10000 > /dev/null || fail "set --speed-limit failed"
verify
[ $RC = 0 ] || fail "verify exited $RC: $OUT"
RATE=$((DISK / 1024 / (TOOK > 0 ? TOOK : 1)))
echo "    verify at sync_speed_max 20000: $TOOK s, $RATE KB/s (KiB/s)"
[ "$RATE" -le 23000 ] || fail "verify ran at $RATE KB/s, above the 20000 KB/s limit"
[ "$(last_verify speed_limit_kib_s)" = 20000 ] || fail "last_verify.speed_limit_kib_s is $(last_verify speed_limit_kib_s)"
nr n1 set $TAG --speed-limit 0 --speed-limit-min 0 > /dev/null || fail "set back to the system limits failed"

step "one byte flipped on n2's leg behind md's back"
OFF2=$(data_offset_bytes n2 /dev/ubda)
AT=$((100 * 1048576 + 12345))  # a byte of the array, 100 MiB in
BLOCK=$(((OFF2 + AT) / 4096))
on n2 dd if=/dev/ubda of="$SHARED/block" bs=4096 skip=$BLOCK count=1 iflag=direct status=none
BYTE=$(od -An -tu1 -j $(((OFF2 + AT) % 4096)) -N1 "$SHARED/block" | tr -d ' ')
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' \
  "$SHARED/block" $(((OFF2 + AT) % 4096))
on n2 dd if="$SHARED/block" of=/dev/ubda bs=4096 seek=$BLOCK count=1 oflag=direct conv=notrunc status=none
on n2 sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches'
echo "    n2: byte $AT of the array (at $((OFF2 + AT)) on /dev/ubda, data offset $OFF2) was $BYTE, now $((BYTE ^ 0xff))"

step "verify: the legs differ (exit 1), the region holds the byte"
verify
[ $RC = 1 ] || fail "verify after the flip exited $RC, expected 1: $OUT"
MISMATCH=$(last_verify mismatch_sectors)
echo "    verify: $TOOK s; md's mismatch_cnt $(mismatch_cnt) sectors"
[ "$MISMATCH" -gt 0 ] || fail "last_verify.mismatch_sectors is $MISMATCH"
grep -q "nothing was changed; 'netraid verify $TAG --repair'" <<< "$OUT" || fail "verify did not say what to do: $OUT"
nr n1 status $TAG --json | python3 -c '
import json, sys
v = json.load(sys.stdin)["mirrors"][0]["last_verify"]
at = int(sys.argv[1])
assert v["result"] == "differ" and v["regions_listed"], v
hit = [g for g in v["regions"] if g["host"] == "n2" and g["offset_bytes"] <= at < g["offset_bytes"] + g["length_bytes"]]
assert hit and v["regions_total"] == 1, v
print("    region: bytes %d-%d on n2 (%d region)" % (hit[0]["offset_bytes"], hit[0]["offset_bytes"] + hit[0]["length_bytes"] - 1, v["regions_total"]))
' "$AT" || fail "the regions of the last verify do not hold byte $AT: $(last_verify regions)"
nr n1 status $TAG | grep "Last Verify"

step "verify --repair: md copies n1's leg over n2's where they differ (exit 1: they differed)"
verify --repair
[ $RC = 1 ] || fail "verify --repair exited $RC, expected 1: $OUT"
grep -q "differed and were repaired" <<< "$OUT" || fail "verify --repair did not say it repaired: $OUT"
echo "    repair: $TOOK s, md's mismatch_cnt $(mismatch_cnt) sectors"

step "verify again: identical; the legs byte for byte"
verify
[ $RC = 0 ] || fail "verify after the repair exited $RC: $OUT"
sync_and_compare n1 n2 "after verify --repair"
on n2 dd if=/dev/ubda of="$SHARED/block" bs=4096 skip=$BLOCK count=1 iflag=direct status=none
[ "$(od -An -tu1 -j $(((OFF2 + AT) % 4096)) -N1 "$SHARED/block" | tr -d ' ')" = "$BYTE" ] || fail "n2's byte $AT is not back to $BYTE"

step "refused with the reason, nothing started: n2 paused, then resyncing"
nr n1 pause $TAG n2 > /dev/null 2>&1 || fail "pause n2 failed"
verify
[ $RC = 3 ] || fail "verify with n2 paused exited $RC, expected 3: $OUT"
grep -q "target n2 of $TAG is paused.*netraid resume $TAG n2" <<< "$OUT" || fail "the refusal does not name the paused target: $OUT"
[ "$(try_on n1 cat /sys/block/md0/md/sync_action)" = idle ] || fail "md's sync_action is not idle after a refusal"
nr n1 resume $TAG n2 > /dev/null 2>&1 || fail "resume n2 failed"
wait_synced n1
nr n1 set $TAG --speed-limit 5000 > /dev/null || fail "set --speed-limit failed"
nr n1 fullresync $TAG n2 > /dev/null 2>&1 || fail "fullresync n2 failed"
verify
[ $RC = 3 ] || fail "verify during a resync exited $RC, expected 3: $OUT"
grep -q "is resyncing" <<< "$OUT" || fail "the refusal does not say the mirror resyncs: $OUT"
nr n1 set $TAG --speed-limit 0 > /dev/null || fail "set back failed"
wait_synced n1
sync_and_compare n1 n2 "at the end"
echo "PASS $TEST_NAME"
