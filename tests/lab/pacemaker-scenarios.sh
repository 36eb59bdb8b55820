#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DataKeeper's Scenarios 2-4 with Pacemaker deciding (issue 14, case 2), on
# one 2-node cluster, crm_mon's XML asserted at each step:
#  2. n1 dies, n2 is promoted; n1 returns and n2 resyncs it; n2 dies during
#     that resync: the half-resynced n1 gets no score and is NOT promoted;
#     n2 returns, is promoted again and finishes the resync.
#  4. both die; the target n1 boots first: it waits (no quorum yet:
#     two_node's wait_for_all; nothing promoted, its copy untouched); the
#     source n2 returns and is promoted; n1 is resynced partially.
#  3. both die; the source n2 boots first: it waits the same way, sets no
#     data_corrupt; when n1 returns n2 is promoted again, n1 resynced.
# (Under Pacemaker a lone node of a 2-node cluster never restores: the
# LifeKeeper-style Scenario 3 refusal with data_corrupt does not arise.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pacemaker.sh"

pcmk_lab_up 2

step "mirror $TAG: n1 -> n2, raw, resync limited to 2 MB/s (so one can be cut), in sync; ext4; Pacemaker"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
wait_synced n1
nr n1 set $TAG --tunable LKDR_SPEED_LIMIT=2000 --tunable LKDR_SPEED_LIMIT_MIN=1000 > /dev/null || fail "set speed limits failed"
on n1 mkfs.ext4 -q $MD
pcmk_configure "n1 n2"
on n1 crm_attribute -t crm_config -n stonith-action -v off > /dev/null
wait_for "n1 promoted, /mnt there" 120 fs_on n1 n1
wait_for "n2 standing by (990)" 90 eval '[ "$(cib_score n1 n2)" = 990 ]'
write_file n1 /mnt base 8

step "Scenario 2: n1 dies; Pacemaker promotes n2, which writes 40 MiB n1 lacks"
lab crash n1 > /dev/null
wait_for "n2 promoted, /mnt there" 180 fs_on n2 n2
write_file n2 /mnt after 40

step "Scenario 2: n1 returns and n2 resyncs it; n2 dies during that resync"
lab power on n1 > /dev/null || fail "powering n1 on failed"
wait_for "n1 being resynced by n2" 240 eval '[ "$(flag n1 sync_state)" = resyncing ] && try_on n2 grep -q recovery /proc/mdstat'
try_on n2 grep -A2 '^md0' /proc/mdstat | sed -n 's/.*\(recovery = .*\)/    n2: md0 \1/p'
lab crash n2 > /dev/null
wait_for "n2 fenced" 120 eval 'crm_xml n1 | grep -q "<fence_event[^>]*target=\"n2\"[^>]*status=\"success\""'
sleep 30  # Pacemaker would have promoted n1 by now, were it going to
[ -z "$(promoted_node n1)" ] || fail "Pacemaker promoted $(promoted_node n1): the half-resynced n1 must not be"
[ -z "$(cib_score n1 n1)" ] || fail "the half-resynced n1 has a promotion score: $(cib_score n1 n1)"
expect_flag n1 sync_state resyncing
P=$(nr n1 promotion $TAG)
grep -qx 'NETRAID_SCORE=0' <<< "$P" || fail "netraid promotion on n1 gives a score: $P"
echo "    n1: $(sed -n 's/^NETRAID_REASON=//p' <<< "$P")"
try_on n1 test -e /sys/block/md0/md/array_state && fail "n1 assembled md0 although half-resynced"

step "Scenario 2: n2 returns: Pacemaker promotes it again and the resync of n1 completes"
lab power on n2 > /dev/null || fail "powering n2 on failed"
wait_for "n2 promoted again, /mnt there" 240 fs_on n1 n2
wait_for "n2 reconnecting n1" 90 eval '[ -n "$(nbd_of n2 n1)" ]'
nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
expect_flag n1 sync_state in_sync
expect_files n2 /mnt base after
sync_and_compare n2 n1 "Scenario 2's end"
wait_for "n1 standing by (999)" 90 eval '[ "$(cib_score n2 n1)" = 999 ]'

# both_die_then FIRST SECOND: both crash; FIRST boots alone and must wait;
# SECOND returns; the source n2 must be promoted and n1 resynced partially.
both_die_then() {
  local first="$1" second="$2"
  sleep 7
  lab crash n1 > /dev/null
  lab crash n2 > /dev/null
  lab power on "$first" > /dev/null || fail "powering $first on failed"
  wait_for "$first's cluster stack up (crm_mon answers)" 120 eval 'crm_xml '"$first"' | grep -q "<current_dc"'
  sleep 30
  crm_xml "$first" | grep -q '<current_dc [^>]*with_quorum="true"' && fail "$first alone has quorum"
  [ -z "$(promoted_node "$first")" ] || fail "$first alone promoted $(promoted_node "$first")"
  try_on "$first" test -e /sys/block/md0/md/array_state && fail "$first alone assembled md0"
  expect_no_flag "$first" data_corrupt
  echo "    $first alone: no quorum, nothing promoted, md0 not assembled, no data_corrupt"
  lab power on "$second" > /dev/null || fail "powering $second on failed"
  wait_for "n2 (the last source) promoted, /mnt there" 240 fs_on n1 n2
  [ "$(unpromoted_nodes n2)" = n1 ] || wait_for "n1 unpromoted" 60 eval '[ "$(unpromoted_nodes n2)" = n1 ]'
  wait_for "n2 reconnecting n1" 90 eval '[ -n "$(nbd_of n2 n1)" ]'
  nr n2 wait $TAG --timeout 300 > /dev/null || fail "resync of n1 did not finish"
  # n2 booted after both died: its NBD counters count this resync only.
  echo "    n1 resynced: $(bytes_written n2 "$(nbd_of n2 n1)") bytes"
  expect_partial_resync "n1 after both died" "$(bytes_written n2 "$(nbd_of n2 n1)")" "$(array_size_bytes n2)"
  expect_files n2 /mnt base after
  sync_and_compare n2 n1 "after both died, $first first"
}

step "Scenario 4: both die; the target n1 boots first and waits; the source n2 returns and is promoted"
both_die_then n1 n2
step "Scenario 3: both die; the source n2 boots first and waits (no data_corrupt); n1 returns"
both_die_then n2 n1
echo "PASS $TEST_NAME"
