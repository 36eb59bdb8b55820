#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pacemaker decides, not the test (2-node Corosync + Pacemaker lab, fencing
# on through fence_netraid_lab): the source n1 crashes; the cluster fences it,
# promotes n2 (netraid restore) and mounts the file system there
# (ocf:heartbeat:Filesystem), writes go on; n1 is powered on, rejoins as an
# unpromoted instance and is resynced partially (its own dirty chunks merged
# in), the legs byte-identical. The time from n1's death to the file system
# mounted on n2 is measured and split. Then planned switchovers with
# `crm resource move` to n1 and back to n2: each resyncs the old source
# partially, never in full.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pacemaker.sh"

pcmk_lab_up 2

step "mirror $TAG: n1 -> n2, raw, in sync; ext4 on it (mounted later by Pacemaker)"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
wait_synced n1
on n1 mkfs.ext4 -q $MD

step "cluster configuration (docs/pacemaker.md): fencing, the promotable clone, Filesystem on the promoted instance"
pcmk_configure "n1 n2"
# stonith-action=off: a fenced node stays off until it is powered on (here:
# by the test, as an operator would); with reboot it may be back before the
# target is promoted, and then restore rightly refuses there (docs/pacemaker.md).
on n1 crm_attribute -t crm_config -n stonith-action -v off > /dev/null
wait_for "n1 promoted and /mnt mounted there by Pacemaker" 120 fs_on n1 n1
wait_for "n2 started unpromoted" 60 eval '[ "$(unpromoted_nodes n1)" = n2 ]'
on n1 mountpoint -q /mnt
wait_for "n2's promotion score (standby) in the CIB" 60 eval '[ "$(cib_score n1 n2)" = 990 ]'
echo "    crm_mon: nr promoted on $(promoted_node n1), unpromoted on $(unpromoted_nodes n1); fs on $(fs_node n1)"
echo "    promotion scores in the CIB: n1 $(cib_score n1 n1), n2 $(cib_score n1 n2)"
[ "$(cib_score n1 n1)" = 10000 ] || fail "n1's promotion score is not 10000"

step "n1 writes 24 MiB of files through the mounted mirror"
write_file n1 /mnt base 24
sleep 7  # md clears the bits of replicated writes lazily (daemon_sleep 5 s)

step "n1 (source) crashes; Pacemaker must fence it, promote n2 and mount /mnt there"
before_n2_log=$(try_on n2 wc -l /var/log/pacemaker/pacemaker.log | awk '{print $1}')
T0=$(date +%s.%N)
lab crash n1 > /dev/null
wait_for "Pacemaker promoting n2 and mounting /mnt there" 180 fs_on n2 n2
T_SEEN=$(date +%s.%N)
on n2 mountpoint -q /mnt
[ "$(promoted_node n2)" = n2 ] || fail "crm_mon on n2 does not show n2 promoted"
crm_xml n2 | grep -q '<node name="n1" id="1" online="false"' || fail "crm_mon on n2 does not show n1 offline"
lab status | grep -q '^  n1 .* down$' || fail "n1 is not powered off after its fencing"
grep -q " off n1$" "$LAB_DIR/cluster/hostd.log" || fail "the fence agent never asked the host to power n1 off"
crm_xml n2 | grep -q '<fence_event[^>]*target="n1"[^>]*status="success"' || fail "crm_mon shows no successful fencing of n1"

# The split, from n2's Pacemaker log (the nodes' clock is the host's).
log_time() {  # the time of the first line after the crash matching PATTERN, in s since the epoch
  local line
  line=$(try_on n2 tail -n +"$((before_n2_log + 1))" /var/log/pacemaker/pacemaker.log | grep -m1 -E "$1") || return 1
  date -d "$(cut -c1-19 <<< "$line")" +%s.%N
}
T_FENCE_REQ=$(log_time "Requesting fencing \(off\) targeting node n1|Client .* wants to fence \(off\) n1|requesting that .* perform 'off' action targeting n1") || fail "no fencing request for n1 in n2's log"
T_FENCED=$(log_time "Operation 'off' targeting n1 .*: OK") || fail "no completed fencing of n1 in n2's log"
T_PROMOTE=$(log_time "Requesting local execution of promote operation for nr-$TAG on n2") || fail "no promote of n2 in its log"
T_PROMOTED=$(log_time "Result of promote operation for nr-$TAG on n2: ok") || fail "no successful promote of n2 in its log"
T_MOUNTED=$(log_time "Result of start operation for fs on n2: ok") || fail "no Filesystem start on n2 in its log"
span() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
echo "    n1's death -> /mnt mounted on n2: $(span "$T0" "$T_MOUNTED") s (the test saw it after $(span "$T0" "$T_SEEN") s)"
echo "      detection (corosync token loss, new membership, DC, fencing requested): $(span "$T0" "$T_FENCE_REQ") s"
echo "      fencing (fence_netraid_lab off n1):                                       $(span "$T_FENCE_REQ" "$T_FENCED") s"
echo "      Pacemaker until promote:                                                  $(span "$T_FENCED" "$T_PROMOTE") s"
echo "      netraid promotion (netraid restore on n2):                                $(span "$T_PROMOTE" "$T_PROMOTED") s"
echo "      Filesystem start (mount):                                                 $(span "$T_PROMOTED" "$T_MOUNTED") s"
echo "PCMK_FAILOVER_SECONDS total=$(span "$T0" "$T_MOUNTED") detection=$(span "$T0" "$T_FENCE_REQ") fencing=$(span "$T_FENCE_REQ" "$T_FENCED") to_promote=$(span "$T_FENCED" "$T_PROMOTE") promotion=$(span "$T_PROMOTE" "$T_PROMOTED") mount=$(span "$T_PROMOTED" "$T_MOUNTED")"

step "writes continue on n2; the files n1 wrote are there"
expect_files n2 /mnt base
write_file n2 /mnt after 4
expect_flag n2 last_owner n2
G2=$(generation_of n2)

step "n1 is powered on: it rejoins the cluster unpromoted and n2 resyncs it partially"
nbd_baseline n2
lab power on n1 > /dev/null || fail "powering n1 on failed"
wait_for "n1 back in the cluster, unpromoted" 180 eval '[ "$(unpromoted_nodes n2)" = n1 ]'
[ "$(promoted_node n2)" = n2 ] || fail "n2 is no longer promoted after n1 came back"
wait_for "n2 reconnecting n1 (notify post-start)" 90 eval '[ -n "$(nbd_of n2 n1)" ]'
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
NBD=$(nbd_of n2 n1)
RESYNCED=$(bytes_written_since_baseline n2 "$NBD")
DISK=$(array_size_bytes n2)
echo "    resynced to n1: $RESYNCED bytes of $DISK"
expect_partial_resync "n1's return under Pacemaker" "$RESYNCED" "$DISK" $((4 << 20))
expect_flag n1 source n2
expect_no_flag n1 last_owner
wait_for "n1's promotion score back to standby (999: 1000 minus its priority 1, the creator's)" 90 eval '[ "$(cib_score n2 n1)" = 999 ]'
[ "$(generation_of n1)" = "$G2" ] || fail "n1 did not take n2's generation"
expect_files n2 /mnt base after
sync_and_compare n2 n1 "after n1 rejoined under Pacemaker"

# switch TO FROM: crm resource move of the file system to TO; Pacemaker
# demotes FROM (remove) and promotes TO (restore, switchover rule).
switch() {
  local to="$1" from="$2" nbd resynced
  step "planned switchover $from -> $to: crm resource move fs $to"
  sleep 7  # md clears the bits of replicated writes lazily
  nbd_baseline "$to"
  on "$to" crm resource move fs "$to" > /dev/null
  wait_for "Pacemaker moving the source and /mnt to $to" 180 fs_on "$to" "$to"
  [ "$(promoted_node "$to")" = "$to" ] || fail "crm_mon does not show $to promoted"
  wait_for "$from unpromoted" 60 eval '[ "$(unpromoted_nodes "$to")" = "$from" ]'
  on "$to" crm resource clear fs > /dev/null
  expect_flag "$to" last_owner "$to"
  expect_no_flag "$from" last_owner
  wait_for "$to reconnecting $from" 60 eval '[ -n "$(nbd_of "$to" "$from")" ]'
  nr "$to" wait $TAG --timeout 300 > /dev/null || fail "resync of $from did not finish"
  nbd=$(nbd_of "$to" "$from")
  resynced=$(bytes_written_since_baseline "$to" "$nbd")
  echo "    resynced to $from by the switchover: $resynced bytes of $DISK"
  expect_partial_resync "switchover $from -> $to" "$resynced" "$DISK" 0 64 $((CHUNK_KIB << 10))
  expect_flag "$from" sync_state in_sync
  [ "$(generation_of "$from")" = "$(generation_of "$to")" ] || fail "$from did not take $to's generation"
}

switch n1 n2
expect_files n1 /mnt base after
write_file n1 /mnt moved 2
sync_and_compare n1 n2 "after the switchover to n1"
switch n2 n1
expect_files n2 /mnt base after moved
sync_and_compare n2 n1 "after the switchover back to n2"

step "n1's NBD server dies (md fails its leg on n2's next writes): the source's monitor reconnects it, no test command"
sleep 7
nbd_baseline n2
on n1 "$NETRAID" serve --stop $TAG --drop > /dev/null
write_file n2 /mnt blip 2
T_FAILED=$SECONDS
wait_for "n1's leg failed on n2" 60 eval 'try_on n2 cat /proc/mdstat | grep -q "(F)\|\[U_\]\|\[_U\]"'
wait_for "n1 reconnected and in sync again, by Pacemaker's monitor of n2 alone" 150 eval 'nr n2 status $TAG > /dev/null 2>&1'
echo "    back in sync $((SECONDS - T_FAILED)) s after the leg failed"
grep -q "is degraded: reconnecting its targets" <(try_on n2 grep "reconnecting its targets" /var/log/pacemaker/pacemaker.log) ||
  fail "the reconnect was not the agent's doing (no 'reconnecting its targets' in n2's Pacemaker log)"
RESYNCED=$(bytes_written_since_baseline n2 "$(nbd_of n2 n1)")
echo "    resynced to n1: $RESYNCED bytes"
expect_partial_resync "n1 after its server died" "$RESYNCED" "$DISK" $((2 << 20))
expect_files n2 /mnt base after moved blip
sync_and_compare n2 n1 "after the monitor's reconnect"
echo "PASS $TEST_NAME"
