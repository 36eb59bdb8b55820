#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The link to the target is cut under load, md fails the NBD leg, the target
# is told it is out of sync, and the source crashes right then, with a write
# in flight that reached only its own leg. It comes back and stays the source.
# Often md had not yet recorded the leg's failure in the superblock on disk:
# it still says both legs are active and every bit was cleared at this event
# count, so md, started on that one leg, drops the dirty bit of the in-flight
# write, and a plain bitmap re-add of the target copies nothing: the legs
# differ for good (found by the fault campaign, seed 16 fault 5, in CI).
# restore marks the bits that were dirty on disk again. Rounds go on until two
# of them caught that state (about one in two does); every round ends with
# both legs byte-identical and every acknowledged write on the source.
. "$(dirname "$0")/lib.sh"

NRLOAD="$BUILD_DIR/tests/campaign/nrload"
[ -x "$NRLOAD" ] || skip "nrload is not built at $NRLOAD: build the tree first"
lab_up 2 --disks 128M
netraid_lab_setup

step "mirror $TAG n1 -> n2 in sync; monitors on both; a verifying writer on n1"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
wait_synced n1
start_monitor n1
start_monitor n2
ACKS="$SHARED/acks.log" SEED=7 BLOCKS=8192
: > "$ACKS"

# What md will read from a leg's disk image: "active=N events=E cleared=C
# dirty=D chunk=X" (N legs active in the superblock; D: chunk X's bit).
leg_state() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb")
f.seek(4096); sb = f.read(4096)
events = struct.unpack_from("<Q", sb, 200)[0]
max_dev = struct.unpack_from("<I", sb, 220)[0]
active = sum(1 for r in struct.unpack_from("<%dH" % max_dev, sb, 256) if r < 0xfffe)
boff = 4096 + 512 * struct.unpack_from("<i", sb, 96)[0]
f.seek(boff); bm = f.read(256)
cleared = struct.unpack_from("<Q", bm, 32)[0]
chunk = struct.unpack_from("<I", bm, 52)[0]
c = int(sys.argv[2]) * 4096 // chunk
f.seek(boff + 256 + c // 8)
print("active=%d events=%d cleared=%d dirty=%d chunk=%d" % (active, events, cleared, f.read(1)[0] >> (c % 8) & 1, c))
PY
}

CAUGHT=0 ROUND=0
while [ $CAUGHT -lt 2 ] && [ $ROUND -lt 8 ]; do
  ROUND=$((ROUND + 1))
  step "round $ROUND: cut n1 <-> n2 under load; once n2 is told out_of_sync, n1 crashes"
  on n1 sh -c 'setsid "$1" write --dev /dev/md0 --seed "$2" --blocks "$3" --log "$4" --mode direct > /var/log/netraid/nrload.log 2>&1 < /dev/null &' \
    sh "$NRLOAD" $SEED $BLOCKS "$ACKS"
  sleep 2
  lab cut n1 n2 2> /dev/null
  for i in $(seq 120); do [ "$(flag n2 sync_state)" = out_of_sync ] && break; sleep 0.5; done
  [ "$(flag n2 sync_state)" = out_of_sync ] || fail "n2 was not told out_of_sync within 60 s of the cut"
  lab crash n1 > /dev/null
  lab heal 2> /dev/null

  IMG=$(lab disk n1)
  OFF=$(image_data_offset "$IMG")
  INFLIGHT=$("$NRLOAD" check --dev "$IMG" --offset "$OFF" --seed $SEED --blocks $BLOCKS --log "$ACKS" |
    sed -n 's/^in-flight write: seq [0-9]* in block \([0-9]*\)$/\1/p')
  if [ -n "$INFLIGHT" ]; then
    STATE=$(leg_state "$IMG" "$INFLIGHT")
    echo "    n1's leg holds the in-flight write (block $INFLIGHT): $STATE"
    [[ "$STATE" == "active=2 "* && "$STATE" == *" dirty=1 "* ]] && CAUGHT=$((CAUGHT + 1)) &&
      echo "    caught: the superblock does not record the NBD leg's failure ($CAUGHT so far)"
  else
    echo "    n1's leg does not hold the in-flight write"
  fi

  lab boot n1 > /dev/null
  start_monitor n1
  nr n2 restore $TAG > "$SHARED/restore2.out" 2>&1
  rc=$?
  [ $rc = 11 ] || fail "n2's restore exited $rc, not 11 (out of sync): $(tail -n1 "$SHARED/restore2.out")"
  nr n1 restore $TAG > "$SHARED/restore.out" 2>&1 || fail "restore on n1 failed: $(tail -n1 "$SHARED/restore.out")"
  grep "keeping\|n2: re-add\|n2: add" "$SHARED/restore.out" | sed 's/^/    /'
  grep -q "n2: re-add (partial resync)" "$SHARED/restore.out" || fail "n2 was not re-added with a partial resync"
  wait_synced n1
  on n1 sync
  out=$("$NRLOAD" check --dev "$IMG" --offset "$OFF" --seed $SEED --blocks $BLOCKS --log "$ACKS") ||
    fail "acknowledged writes lost on n1: $(grep -m3 '^LOST' <<< "$out" | tr '\n' ' ')"
  echo "    n1: $(tail -n1 <<< "$out")"
  sync_and_compare n1 n2 "round $ROUND"
done
[ $CAUGHT -gt 0 ] || skip "in $ROUND rounds the crash never came before md recorded the NBD leg's failure: the case was not exercised"
echo "    $CAUGHT of $ROUND rounds caught md before it recorded the failure; legs identical after each"
echo "PASS $TEST_NAME"
