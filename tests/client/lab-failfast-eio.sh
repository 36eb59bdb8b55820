#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fail fast (no grace period): when the target's nbdkit dies, I/O on the bare
# /dev/nbdN gets EIO; inside md RAID1 the nbd leg goes faulty while the array
# keeps taking writes.
. "$(dirname "$0")/lab-lib.sh"
lab_up 2 --disks 256M
N2=$(lab addr n2)
make_pattern "$SHARED/pattern" 64

start_nbdkit tag
step "bare device: attach /dev/nbd0 with --timeout 3 --dead-conn-timeout 0, kill the target during a write"
on n1 "$NETRAID" attach "$N2" tag --device /dev/nbd0 --timeout 3 --dead-conn-timeout 0 > /dev/null
on n1 sh -c "(dd if='$SHARED/pattern' of=/dev/nbd0 bs=64k oflag=direct,dsync status=none; echo \$? > '$SHARED/dd.rc') \
  > '$SHARED/dd.log' 2>&1 &"
for _ in $(seq 100); do [ "$(bytes_written n1 nbd0)" -gt $((4 << 20)) ] && break; sleep 0.05; done
[ -e "$SHARED/dd.rc" ] && fail "writer finished before the target died: the test would prove nothing"
kill_nbdkit
START=$SECONDS
for _ in $(seq 300); do [ -e "$SHARED/dd.rc" ] && break; sleep 0.1; done
[ -e "$SHARED/dd.rc" ] || fail "writer still blocked 30 s after the target died (expected EIO)"
[ "$(cat "$SHARED/dd.rc")" != 0 ] || fail "writer succeeded although the target is gone"
grep -q "Input/output error" "$SHARED/dd.log" || fail "expected EIO, writer said: $(cat "$SHARED/dd.log")"
echo "    writer got EIO $((SECONDS - START)) s after the kill: $(head -n1 "$SHARED/dd.log")"
on n1 "$NETRAID" detach /dev/nbd0

step "md RAID1 (local ubda + write-mostly nbd1, fail fast): the target dies, the leg goes faulty, md0 keeps working"
start_nbdkit tag
on n1 "$NETRAID" attach "$N2" tag --device /dev/nbd1 --timeout 3 --dead-conn-timeout 0 > /dev/null
on n1 mdadm --create /dev/md0 --run --metadata=1.2 --level=1 --raid-devices=2 \
  --bitmap=internal --bitmap-chunk=1M /dev/ubda --write-mostly /dev/nbd1 2> /dev/null
try_on n1 mdadm --wait /dev/md0 || true
expect_md_health n1 "[UU]"
kill_nbdkit
on n1 dd if="$SHARED/pattern" of=/dev/md0 bs=1M count=16 oflag=direct,dsync status=none
expect_md_health n1 "[U_]"
try_on n1 cat /proc/mdstat | grep -q "nbd1\[1\](W)(F)" || fail "nbd1 not marked faulty: $(try_on n1 cat /proc/mdstat)"
on n1 dd if=/dev/md0 of="$SHARED/readback" bs=1M count=16 iflag=direct status=none
cmp -n $((16 << 20)) "$SHARED/pattern" "$SHARED/readback" || fail "md0 lost data after the leg failed"
on n1 mdadm --stop /dev/md0 2> /dev/null
on n1 "$NETRAID" detach /dev/nbd1
echo "PASS $TEST_NAME"
