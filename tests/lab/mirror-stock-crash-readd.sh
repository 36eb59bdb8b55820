#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reference test: the target crashes while the source writes. NBD path stock
# or ours (MIRROR_PARTS=netraid, see mirror-parts-crash-readd.sh).
# md must fail the NBD leg and keep going; after the target boots and the leg
# is re-added, md must copy only what its write-intent bitmap marks (a partial
# recovery), and the legs must end byte-identical.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
N2=$(lab addr n2)
CHUNK_KIB=1024

serve() { target_serve n2 crashtest "$(lab addr n1)"; }
attach() { source_attach n1 n2 crashtest /dev/nbd0; }

step "mirror n1:/dev/ubda + n2:/dev/ubda ($(parts_name), mdadm), initial sync"
serve
attach
on n1 mdadm --create /dev/md0 --run --metadata=1.2 --level=1 --raid-devices=2 \
  --bitmap=internal --bitmap-chunk=${CHUNK_KIB}K /dev/ubda --write-mostly /dev/nbd0 2> /dev/null
try_on n1 mdadm --wait /dev/md0 || true
expect_md_health n1 "[UU]"
make_pattern "$SHARED/base" 64
on n1 dd if="$SHARED/base" of=/dev/md0 bs=1M oflag=direct status=none
# Let md clear the bitmap bits of the replicated writes (daemon_sleep is 5 s),
# so the dirty chunks counted later are those of the crash.
sleep 6

step "write 16 MiB at offset 100 MiB while n2 crashes"
make_pattern "$SHARED/during" 16
# 1 MiB at a time with pauses, so the crash surely lands in the middle.
lab exec n1 -- sh -c 'for i in $(seq 0 15); do
    dd if="$1" of=/dev/md0 bs=1M skip=$i seek=$((100 + i)) count=1 oflag=direct status=none || exit 1
    sleep 0.25
  done' sh "$SHARED/during" &
WRITER=$!
sleep 1
lab crash n2 > /dev/null
wait $WRITER || fail "the writer on md0 got an error: md should have failed the NBD leg instead"
step "the source kept working on one leg"
expect_md_health n1 "[U_]"
try_on n1 cat /proc/mdstat | grep -q 'nbd0\[1\](W)(F)' || fail "nbd0 is not marked faulty in /proc/mdstat"

step "n2 boots on the same disks; n1 reconnects and re-adds the leg"
lab boot n2 > /dev/null
serve
on n1 mdadm /dev/md0 --remove failed 2> /dev/null
source_detach n1 /dev/nbd0
attach
DIRTY=$(dirty_chunks n1 /dev/ubda)
[[ "$DIRTY" =~ ^[0-9]+$ ]] && [ "$DIRTY" -gt 0 ] || fail "expected dirty bitmap chunks on n1, mdadm -X shows '${DIRTY}'"
BEFORE=$(bytes_written n1 nbd0)
on n1 mdadm /dev/md0 --re-add /dev/nbd0 2> /dev/null
try_on n1 mdadm --wait /dev/md0 || true
expect_md_health n1 "[UU]"
RESYNCED=$(( $(bytes_written n1 nbd0) - BEFORE ))
DIRTY_BYTES=$((DIRTY * CHUNK_KIB * 1024))
DISK=$(array_size_bytes n1)
echo "    dirty chunks: $DIRTY x ${CHUNK_KIB} KiB = $DIRTY_BYTES bytes; written to nbd0 by the recovery: $RESYNCED bytes; array: $DISK bytes"
expect_partial_resync "the recovery of the returning leg" "$RESYNCED" "$DISK" 1 "$DIRTY" $((CHUNK_KIB * 1024)) 0
try_on n1 dmesg | grep -q "recovery of RAID array md0" || fail "the kernel log shows no recovery of md0"

step "data through md0 is the base pattern overlaid with what was written during the crash"
cp "$SHARED/base" "$SHARED/expected"
dd if="$SHARED/during" of="$SHARED/expected" bs=1M seek=100 conv=notrunc status=none
on n1 dd if=/dev/md0 of="$SHARED/readback" bs=1M count=116 iflag=direct status=none
cmp -n $((116 << 20)) "$SHARED/expected" "$SHARED/readback" || fail "md0 does not hold what was written"

step "compare both legs byte for byte"
on n1 sync
on n2 sync
compare_legs "$(lab disk n1)" "$(data_offset_bytes n1 /dev/ubda)" \
  "$(lab disk n2)" "$(data_offset_bytes n1 /dev/nbd0)" "$DISK" "after crash and partial recovery"
echo "PASS $TEST_NAME"
