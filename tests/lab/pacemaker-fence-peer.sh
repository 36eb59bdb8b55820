#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No acknowledged write lost when the replication link dies first (issue 14,
# the fence-peer problem), under Pacemaker with fencing. The mirror has a
# grace period (NBD holds the I/O of a dead link) and netraid.json names the
# fence-peer handler, so the source's link watcher must record the target
# outdated in the CIB before md may complete a write without it:
#  (a) replication link and command path cut, Corosync still up: the source
#      outdates n2, goes on writing, then crashes; Pacemaker fences it and
#      does NOT promote the outdated n2; n1 powered on takes TAG back and
#      resyncs n2 partially; every acknowledged write is there;
#  (b) everything cut (n1 isolated): n1 cannot record n2 outdated, its writes
#      stay frozen; n2 fences n1 and is promoted; every write n1
#      acknowledged is on n2.
# A writer on n1 logs each 4 KiB O_DIRECT|O_DSYNC write to the raw mirror
# after it returned (the acknowledged-write log, on the host); the test
# counts the acknowledged writes missing on the copy in service: 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pacemaker.sh"

pcmk_lab_up 2
HANDLER="$SOURCE_DIR/scripts/pacemaker/netraid-fence-peer"
REPL1=10.201.1.11 REPL2=10.201.1.12  # the replication link's own addresses

# netraid.json of NODE: the lab's remote exec (or one that always fails: the
# command path cut), the fence-peer handler.
node_conf() {
  local node="$1" exec_argv="$2"
  cat > "$LAB_DIR/nodes/$node/persist/etc-netraid/netraid.json" <<JSON
{
  "remote_exec": {"argv": $exec_argv, "shell_quote": false},
  "remote_netraid": "$NETRAID",
  "fence_peer": "$HANDLER"
}
JSON
}
LAB_EXEC="[\"$LAB\", \"exec\", \"{host}\", \"--stdin\", \"--\"]"
CUT_EXEC='["/bin/false"]'
for n in n1 n2; do node_conf $n "$LAB_EXEC"; done
on n1 ip addr add $REPL1/24 dev vec0
on n2 ip addr add $REPL2/24 dev vec0

step "mirror $TAG: n1 -> n2 over its own link ($REPL1 -> $REPL2), grace 300 s (the freeze's bound), in sync"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB --address $REPL1 --grace 300 > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 --target-address $REPL2 > /dev/null || fail "extend failed"
wait_synced n1
try_on n1 pgrep -f "nbd-watch .*--fence-peer $HANDLER --mirror $TAG --peer n2" > /dev/null ||
  fail "no link watcher with the fence-peer handler runs on n1"

# Fencing n1 waits 15 s, so that in (b) n1's watcher meets the dead link
# (NBD timeout 10 s) and the handler's refusal before n1 dies; fencing n2
# waits 45 s, so that n2 wins the fence race of (b).
step "cluster: the promotable clone, fencing (delays: n1 15 s, n2 45 s)"
cat > "$SHARED/cluster.crm" <<CRM
primitive fence-n1 stonith:fence_netraid_lab params pcmk_host_list=n1 pcmk_delay_base=15s op monitor interval=60s
primitive fence-n2 stonith:fence_netraid_lab params pcmk_host_list=n2 pcmk_delay_base=45s op monitor interval=60s
primitive nr-$TAG ocf:netraid:netraid \\
    params tag=$TAG netraid=$NETRAID \\
    op monitor interval=10s role=Promoted timeout=60s \\
    op monitor interval=20s role=Unpromoted timeout=60s \\
    op start timeout=60s op stop timeout=120s \\
    op promote timeout=180s op demote timeout=120s op notify timeout=90s
clone nr nr-$TAG meta promotable=true promoted-max=1 promoted-node-max=1 clone-node-max=1 notify=true
property stonith-enabled=true stonith-action=off
CRM
on n1 crm configure load update "$SHARED/cluster.crm" > /dev/null
wait_for "n1 promoted" 120 is_promoted_on n1 n1
wait_for "n2 standing by with a score" 90 eval '[ "$(cib_score n1 n2)" = 990 ]'

# The writer: record I (4 KiB, "seq=I phase=P") to /dev/md0 at 4 KiB * I,
# O_DIRECT|O_DSYNC; I appended to ACKS (host file) only once the write returned.
cat > "$SHARED/writer.sh" <<'SH'
phase="$1" i="$2" acks="$3"
while :; do
  printf 'seq=%s phase=%s\n' "$i" "$phase" > /tmp/rec && truncate -s 4096 /tmp/rec
  dd if=/tmp/rec of=/dev/md0 bs=4096 seek="$i" count=1 oflag=direct,dsync conv=notrunc status=none || exit 1
  echo "$i" >> "$acks"
  i=$((i + 1))
done
SH
start_writer() { on n1 sh -c 'setsid sh "$1" "$2" "$3" "$4" > /dev/null 2>&1 < /dev/null &' sh "$SHARED/writer.sh" "$@"; }
acks() { wc -l < "$1"; }
# missing_acks NODE PHASE ACKS: acknowledged records of PHASE not on NODE's /dev/md0.
missing_acks() {
  local node="$1" phase="$2" ackfile="$3" first last
  first=$(head -n1 "$ackfile"); last=$(tail -n1 "$ackfile")
  on "$node" dd if=/dev/md0 of="$SHARED/region.$node" bs=4096 skip="$first" count=$((last - first + 1)) iflag=direct status=none
  python3 - "$SHARED/region.$node" "$ackfile" "$phase" "$first" <<'PY'
import sys
region, acks, phase, first = open(sys.argv[1], 'rb').read(), sys.argv[2], sys.argv[3], int(sys.argv[4])
missing = 0
for line in open(acks):
    i = int(line)
    want = ('seq=%d phase=%s\n' % (i, phase)).encode()
    if region[(i - first) * 4096:(i - first) * 4096 + len(want)] != want:
        missing += 1
print(missing)
PY
}

# ---------------------------------------------------------------------------
step "(a) n1 writes; then its replication link and command path to n2 die, Corosync stays up"
ACKS_A="$SHARED/acks.a"; : > "$ACKS_A"
start_writer a 0 "$ACKS_A"
wait_for "n1's writer acknowledging writes" 30 eval '[ "$(acks "$ACKS_A")" -ge 20 ]'
on n1 ip route replace blackhole $REPL2/32
on n2 ip route replace blackhole $REPL1/32
node_conf n1 "$CUT_EXEC"; node_conf n2 "$CUT_EXEC"
T_CUT=$(date +%s.%N); ACKED_AT_CUT=$(acks "$ACKS_A")
wait_for "n2 recorded outdated in the CIB by n1's fence-peer handler" 120 eval '[ -n "$(try_on n2 crm_attribute --node n2 --name netraid-outdated-$TAG --query --quiet --lifetime forever 2> /dev/null)" ]'
T_OUTDATED=$(date +%s.%N)
wait_for "n1 acknowledging writes again, without n2" 90 eval '[ "$(acks "$ACKS_A")" -ge $((ACKED_AT_CUT + 30)) ]'
AFTER_CUT=$(( $(acks "$ACKS_A") - ACKED_AT_CUT ))
echo "    writes frozen from the cut until n2 was outdated: $(awk -v a="$T_CUT" -v b="$T_OUTDATED" 'BEGIN { printf "%.1f", b - a }') s (seen by the test)"
try_on n1 cat /var/log/netraid/$TAG-n2.watch.log | grep -E "died|outdated|frozen|fence-peer" | sed 's/^/    [n1 watch] /'
expect_degraded n1
wait_for "n2's promotion score gone (its agent honours the outdate)" 60 eval '[ -z "$(cib_score n1 n2)" ]'
echo "    n1 acknowledged $AFTER_CUT writes after the cut, alone"
[ "$AFTER_CUT" -ge 30 ] || fail "n1 did not go on writing after outdating n2"

step "(a) n1 crashes: Pacemaker fences it and must not promote the outdated n2"
lab crash n1 > /dev/null
TOTAL_A=$(acks "$ACKS_A")
wait_for "n1 fenced" 120 eval 'crm_xml n2 | grep -q "<fence_event[^>]*target=\"n1\"[^>]*status=\"success\""'
sleep 30  # time for Pacemaker to promote, were it going to
[ -z "$(promoted_node n2)" ] || fail "Pacemaker promoted $(promoted_node n2) although n2 was outdated"
expect_no_flag n2 last_owner
try_on n2 test -e /sys/block/md0/md/array_state && fail "n2 assembled md0 although it was outdated"
OUT=$(try_on n2 env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=nr-$TAG OCF_RESKEY_tag=$TAG OCF_RESKEY_netraid="$NETRAID" "$OCF_AGENT" promote 2>&1); rc=$?
[ $rc = 1 ] || fail "the agent's promote on the outdated n2 exited $rc, expected 1 (OCF_ERR_GENERIC)"
grep -q "outdated by its source" <<< "$OUT" || fail "the agent's promote did not say n2 is outdated: $OUT"
echo "    crm_mon: no promoted instance; n2 unpromoted; the agent refuses to promote n2 by hand: outdated"

step "(a) n1 is powered on: Pacemaker promotes it, n2 is resynced partially and its outdate cleared"
on n2 ip route del blackhole $REPL1/32
node_conf n1 "$LAB_EXEC"; node_conf n2 "$LAB_EXEC"
nbd_baseline n2
lab power on n1 > /dev/null || fail "powering n1 on failed"
on n1 ip addr add $REPL1/24 dev vec0
wait_for "n1 promoted again" 180 is_promoted_on n2 n1
wait_for "n1 reconnecting n2" 90 eval '[ -n "$(nbd_of n1 n2)" ]'
nr n1 wait $TAG --timeout 300 > /dev/null || fail "resync of n2 did not finish"
wait_for "n2's outdate cleared by its agent after the resync" 90 eval '[ -z "$(try_on n2 crm_attribute --node n2 --name netraid-outdated-$TAG --query --quiet --lifetime forever 2> /dev/null)" ]'
wait_for "n2's standby score back" 60 eval '[ "$(cib_score n1 n2)" = 990 ]'
LOST_A=$(missing_acks n1 a "$ACKS_A")
echo "    (a) acknowledged writes: $TOTAL_A ($AFTER_CUT+ after the cut); lost on n1 (in service): $LOST_A"
[ "$LOST_A" = 0 ] || fail "(a) $LOST_A acknowledged writes are missing"
sync_and_compare n1 n2 "after (a)"

# ---------------------------------------------------------------------------
step "(b) n1 writes; then n1 is cut off from everything (Corosync too)"
sleep 7
ACKS_B="$SHARED/acks.b"; : > "$ACKS_B"
start_writer b 20000 "$ACKS_B"
wait_for "n1's writer acknowledging writes" 30 eval '[ "$(acks "$ACKS_B")" -ge 20 ]'
node_conf n1 "$CUT_EXEC"; node_conf n2 "$CUT_EXEC"
lab isolate n1 > /dev/null
T_ISO=$(date +%s.%N); ACKED_AT_ISO=$(acks "$ACKS_B")
wait_for "n2 fencing n1 and promoting itself" 180 is_promoted_on n2 n2
T_B=$(date +%s.%N)
lab status | grep -q '^  n1 .* down$' || fail "n1 was not fenced"
grep -q "could not be recorded outdated: its I/O stays frozen" "$LAB_DIR/nodes/n1/persist/log/$TAG-n2.watch.log" ||
  fail "n1's watcher never said it could not outdate n2 (writes frozen)"
grep -E "fence-peer|frozen" "$LAB_DIR/nodes/n1/persist/log/$TAG-n2.watch.log" | tail -n 3 | sed 's/^/    [n1 watch] /'
TOTAL_B=$(acks "$ACKS_B")
echo "    n1 acknowledged $((TOTAL_B - ACKED_AT_ISO)) writes after it was cut off (in flight at the cut); n2 promoted $(awk -v a="$T_ISO" -v b="$T_B" 'BEGIN { printf "%.1f", b - a }') s after the cut"
LOST_B=$(missing_acks n2 b "$ACKS_B")
echo "    (b) acknowledged writes: $TOTAL_B; lost on n2 (in service): $LOST_B"
[ "$LOST_B" = 0 ] || fail "(b) $LOST_B acknowledged writes are missing on n2"
echo "PCMK_FENCE_PEER lost_a=$LOST_A acked_a=$TOTAL_A after_cut_a=$AFTER_CUT lost_b=$LOST_B acked_b=$TOTAL_B after_cut_b=$((TOTAL_B - ACKED_AT_ISO))"
lab heal > /dev/null
echo "PASS $TEST_NAME"
