#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A 3-node Corosync + Pacemaker cluster, one source and two targets (issue
# 14, cases 4 and 6). Cascading failover by score: the source n1 crashes,
# Pacemaker fences it and promotes n2 (priority 10, score 990) rather than
# n3 (priority 20, score 980); n2 takes n3 over and resyncs it partially.
# n1 comes back as a target. Then a Corosync split: n2, the source, is cut
# off from everything; it has no quorum, the quorate side (n1, n3) fences it
# and promotes n1 (priority 1, the best score). The fenced side never acts:
# there is never a second promoted instance, and n2 is off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pacemaker.sh"

pcmk_lab_up 3

step "mirror $TAG: n1 -> n2 (priority 10), n3 (priority 20), raw, in sync; ext4 on it"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 --priority 10 > /dev/null || fail "extend n2 failed"
nr n1 extend $TAG --target n3 --priority 20 > /dev/null || fail "extend n3 failed"
wait_synced n1
on n1 mkfs.ext4 -q $MD

step "cluster configuration (docs/pacemaker.md) on three nodes"
pcmk_configure "n1 n2 n3"
on n1 crm_attribute -t crm_config -n stonith-action -v off > /dev/null
wait_for "n1 promoted and /mnt mounted there" 150 fs_on n1 n1
wait_for "n2 and n3 unpromoted" 90 eval '[ "$(unpromoted_nodes n1)" = "n2 n3" ]'
wait_for "scores: n2 990, n3 980" 90 eval '[ "$(cib_score n1 n2)" = 990 ] && [ "$(cib_score n1 n3)" = 980 ]'
echo "    promotion scores: n1 $(cib_score n1 n1), n2 $(cib_score n1 n2), n3 $(cib_score n1 n3)"
write_file n1 /mnt base 16
sleep 7

# one_promoted VIA: crm_mon in VIA shows exactly one promoted instance.
promoted_count() { crm_xml "$1" | tr '\n' ' ' | grep -o "<resource id=\"nr-$TAG\"[^>]*role=\"Promoted\"" | wc -l; }

step "n1 crashes: Pacemaker fences it and promotes n2, the best score, not n3"
lab crash n1 > /dev/null
wait_for "n2 promoted, /mnt there" 180 fs_on n2 n2
[ "$(promoted_node n3)" = n2 ] || fail "n3 sees $(promoted_node n3) promoted, expected n2"
[ "$(promoted_count n2)" = 1 ] || fail "more than one promoted instance"
lab status | grep -q '^  n1 .* down$' || fail "n1 was not fenced off"
expect_files n2 /mnt base
wait_for "n2 resyncing n3 (taken over)" 90 eval '[ -n "$(nbd_of n2 n3)" ]'
nr n2 wait $TAG --timeout 300 > /dev/null 2>&1
expect_flag n3 source n2
expect_flag n3 sync_state in_sync
wait_for "n3 standing by for n2 (980)" 90 eval '[ "$(cib_score n2 n3)" = 980 ]'
write_file n2 /mnt after 4
sync_and_compare n2 n3 "n3 after the takeover by n2"

step "n1 is powered on: it rejoins unpromoted and n2 resyncs it partially"
nbd_baseline n2
lab power on n1 > /dev/null || fail "powering n1 on failed"
wait_for "n1 unpromoted" 180 eval '[ "$(unpromoted_nodes n2)" = "n1 n3" ]'
wait_for "n2 reconnecting n1" 90 eval '[ -n "$(nbd_of n2 n1)" ]'
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
expect_partial_resync "n1's return" "$(bytes_written_since_baseline n2 "$(nbd_of n2 n1)")" "$(array_size_bytes n2)" $((4 << 20))
wait_for "n1 standing by for n2 (999)" 90 eval '[ "$(cib_score n2 n1)" = 999 ]'
sync_and_compare n2 n1 "n1 after its return"
sleep 7

step "Corosync split: n2 (the source) cut off from everything; the quorate side fences it and promotes n1"
lab isolate n2 > /dev/null
wait_for "n1 promoted by the quorate partition, /mnt there" 180 fs_on n1 n1
[ "$(promoted_node n3)" = n1 ] || fail "n3 sees $(promoted_node n3) promoted, expected n1"
[ "$(promoted_count n1)" = 1 ] || fail "more than one promoted instance on the quorate side"
lab status | grep -q '^  n2 .* down$' || fail "the cut-off n2 was not fenced"
grep -q " off n2$" "$LAB_DIR/cluster/hostd.log" || fail "no fencing of n2 through the host agent"
# The host agent's log: n1 off once (its crash), n2 off once (the split),
# n3 never: the cut-off n2 fenced nobody.
[ "$(grep -c ' off n1$' "$LAB_DIR/cluster/hostd.log")" = 1 ] && [ "$(grep -c ' off n3$' "$LAB_DIR/cluster/hostd.log")" = 0 ] ||
  fail "unexpected fencing: $(grep ' off ' "$LAB_DIR/cluster/hostd.log" | tr '\n' ';')"
expect_files n1 /mnt base after
expect_flag n1 last_owner n1
echo "    fencing done by the host agent: $(grep -E ' (off|on) ' "$LAB_DIR/cluster/hostd.log" | awk '{print $2, $3}' | tr '\n' ',' | sed 's/,$//')"
lab heal > /dev/null
wait_for "n1 reconnecting n3" 90 eval '[ -n "$(nbd_of n1 n3)" ]'
nr n1 wait $TAG --timeout 300 > /dev/null 2>&1
expect_flag n3 source n1
sync_and_compare n1 n3 "n3 after the split"
echo "PASS $TEST_NAME"
