#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Grace period: the target's nbdkit is killed (-9) in the middle of a 64 MiB
# O_DIRECT write and restarted 3 s later. `netraid attach --supervise` sees
# NBD_CMD_LINK_DEAD, reconnects with NBD_CMD_RECONFIGURE on the same device;
# the writer gets no error and every byte arrives.
. "$(dirname "$0")/lab-lib.sh"
lab_up 2 --disks 256M
N2=$(lab addr n2)
make_pattern "$SHARED/pattern" 64

start_nbdkit tag
step "n1: attach /dev/nbd1 with a 60 s grace period, supervised in the background"
on n1 sh -c "setsid '$NETRAID' attach '$N2' tag --device /dev/nbd1 --timeout 5 --dead-conn-timeout 60 --supervise \
  > '$SHARED/watch.out' 2> '$SHARED/watch.log' < /dev/null &"
for _ in $(seq 50); do grep -q watching "$SHARED/watch.log" 2> /dev/null && break; sleep 0.1; done
grep -q "watching nbd://$N2:10809/tag" "$SHARED/watch.log" || fail "supervisor did not start: $(cat "$SHARED/watch.log")"

step "write 64 MiB with O_DIRECT+dsync in 64 KiB blocks; kill nbdkit -9 on n2 during it"
on n1 sh -c "(dd if='$SHARED/pattern' of=/dev/nbd1 bs=64k oflag=direct,dsync status=none; echo \$? > '$SHARED/dd.rc') \
  > '$SHARED/dd.log' 2>&1 &"
for _ in $(seq 100); do [ "$(bytes_written n1 nbd1)" -gt $((4 << 20)) ] && break; sleep 0.05; done
kill_nbdkit
[ -e "$SHARED/dd.rc" ] && fail "writer finished before the target died: the test would prove nothing"
W1=$(bytes_written n1 nbd1)
echo "    killed the target after $((W1 >> 20)) MiB"
sleep 3
[ -e "$SHARED/dd.rc" ] && fail "writer ended while the target was down: rc $(cat "$SHARED/dd.rc"): $(cat "$SHARED/dd.log")"
step "restart nbdkit; the writer must finish without error"
start_nbdkit tag
for _ in $(seq 600); do [ -e "$SHARED/dd.rc" ] && break; sleep 0.1; done
[ "$(cat "$SHARED/dd.rc" 2> /dev/null)" = 0 ] || fail "writer failed: rc $(cat "$SHARED/dd.rc" 2> /dev/null) $(cat "$SHARED/dd.log")"
grep -q "/dev/nbd1: reconnected to $N2:10809" "$SHARED/watch.log" || fail "no reconnect in the log: $(cat "$SHARED/watch.log")"
try_on n1 dmesg | grep -q "nbd1: reconnected socket" || fail "kernel did not log the reconnect on nbd1"
on n1 "$NETRAID" nbd-status /dev/nbd1 > /dev/null

step "read back through the same /dev/nbd1 and compare with n2's disk"
on n1 dd if=/dev/nbd1 of="$SHARED/readback" bs=1M count=64 iflag=direct status=none
cmp "$SHARED/pattern" "$SHARED/readback" || fail "data through /dev/nbd1 differs after the reconnect"
on n2 sync
cmp -n $((64 << 20)) "$SHARED/pattern" "$(lab disk n2)" || fail "n2's disk does not hold the pattern"

step "detach: the supervisor notices and ends"
on n1 "$NETRAID" detach /dev/nbd1
for _ in $(seq 50); do grep -q "watcher ends" "$SHARED/watch.log" && break; sleep 0.1; done
grep -q "/dev/nbd1: detached; watcher ends" "$SHARED/watch.log" || fail "supervisor did not end after detach"
sed 's/^/    log: /' "$SHARED/watch.log"
echo "PASS $TEST_NAME"
