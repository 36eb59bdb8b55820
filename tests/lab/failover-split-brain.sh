#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A split brain is detected and nothing is overwritten: the replication link
# AND the command path between n1 and n2 fail while n1 is in service; n1
# keeps writing; n2, which sees n1 on no path, takes over and writes too.
# When both paths heal, n1's resync pass finds n2 in service too: it refuses
# to resync either way, tells the operator how to pick a side, and both
# copies keep their files.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 256M
netraid_lab_setup

step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync"
standard_mirror 8
sleep 7

step "both paths fail: replication link cut, n2's command path to n1 broken"
lab cut n1 n2 > /dev/null
CONF="$LAB_DIR/nodes/n2/persist/etc-netraid/netraid.json"
cp "$CONF" "$SHARED/netraid.json.good"
cat > "$CONF" <<JSON
{ "remote_exec": {"argv": ["false", "{host}"], "shell_quote": false}, "remote_netraid": "$NETRAID" }
JSON
make_pattern "$SHARED/n1only" 4
on n1 sh -c 'dd if="$1/n1only" of=/mnt/n1only bs=1M conv=fsync status=none' sh "$SHARED"
( cd "$SHARED" && md5sum n1only > sums.n1only )

step "n2 sees n1 dead (a cluster manager whose heartbeats are cut too restores there) and writes"
# n2 was in sync and lost n1 on every path: it cannot tell a partition from a
# crash, so it takes over (Scenario 1's rule). This is the split brain.
OUT=$(nr n2 restore $TAG 2>&1) || { echo "$OUT"; fail "restore on n2 failed"; }
echo "$OUT" | sed 's/^/    [n2 restore] /'
write_file n2 /mnt n2only 4

step "paths heal: n1's resync pass refuses to resync either way"
cp "$SHARED/netraid.json.good" "$CONF"
on n1 ip route del blackhole "$(lab addr n2)/32"
on n2 ip route del blackhole "$(lab addr n1)/32"
OUT=$(nr n1 resync $TAG 2>&1)
echo "$OUT" | sed 's/^/    [n1 resync] /'
echo "$OUT" | grep -q "split brain: n2 has $TAG in service too" || fail "n1's pass did not report the split brain"
echo "$OUT" | grep -q "netraid fullresync $TAG n2. on n1" || fail "the split-brain message does not say how to resolve it"
try_on n1 sh -c 'grep -q "nbd" /proc/mdstat' && fail "n2's disk was added to n1's array"
expect_files n1 /mnt base n1only
expect_files n2 /mnt base n2only
try_on n1 test -e /mnt/n2only && fail "n2's file appeared on n1"
expect_flag n1 last_owner n1
expect_flag n2 last_owner n2
echo "PASS $TEST_NAME"
