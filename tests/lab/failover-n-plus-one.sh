#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# N+1: two sources, one backup with a separate disk for each. n1 mirrors
# alpha to n3's first disk, n2 mirrors beta to n3's second disk (extend picks
# a free port there and refuses n3's disk that alpha holds). n1 dies: n3 runs
# alpha while it stays beta's target. n2 dies too: n3 runs both, beta under
# another md device than the one n2 used. Both sources return and are
# resynced partially; every pair of legs holds the same bytes.
. "$(dirname "$0")/lib.sh"

lab_up 3 --disks 256M,256M
netraid_lab_setup

cfg() { try_on "$1" cat "/etc/netraid/$2.json"; }
# port_of NODE TAG HOST: the port HOST serves TAG on, in NODE's configuration.
port_of() { cfg "$1" "$2" | tr -d ' \n' | tr '{}' '\n\n' | grep "\"host\":\"$3\"" | sed -n 's/.*"port":\([0-9]*\).*/\1/p'; }
md_of() { cfg "$1" "$2" | sed -n 's/.*"md_device": *"\([^"]*\)".*/\1/p'; }
# compare_pair SOURCE DISK DEV TARGET DISK WHAT: SOURCE's local leg DEV (lab
# disk index DISK) against TARGET's disk that serves mirror $TAG.
compare_pair() {
  local md
  md=$(md_of "$1" "$TAG")
  on "$1" sync
  on "$4" sync
  compare_legs "$(lab disk "$1" "$2")" "$(data_offset_bytes "$1" "$3")" \
    "$(lab disk "$4" "$5")" "$(data_offset_bytes "$1" "$(nbd_of "$1" "$4")")" \
    "$(($(try_on "$1" cat "/sys/block/${md#/dev/}/size") * 512))" "$TAG: $6"
}

step "alpha: n1 -> n3:/dev/ubda; beta: n2 -> n3 refused on /dev/ubda (alpha's), then n3:/dev/ubdb"
on n1 mkdir -p /tmp/alpha
on n2 mkdir -p /tmp/beta
nr n1 create alpha --local /dev/ubda --mount /tmp/alpha --chunk $CHUNK_KIB > /dev/null || fail "create alpha failed"
nr n1 extend alpha --target n3 > /dev/null || fail "extend alpha failed"
nr n2 create beta --local /dev/ubda --mount /tmp/beta --chunk $CHUNK_KIB > /dev/null || fail "create beta failed"
ERR=$(nr n2 extend beta --target n3 2>&1 > /dev/null) && fail "extend beta onto alpha's disk on n3 succeeded"
echo "    $ERR"
echo "$ERR" | grep -q "device /dev/ubda on n3 already belongs to mirror alpha" || fail "refusal does not name alpha's disk: $ERR"
nr n2 extend beta --target n3 --target-device /dev/ubdb > /dev/null || fail "extend beta to n3:/dev/ubdb failed"
PORT_A=$(port_of n1 alpha n3)
PORT_B=$(port_of n2 beta n3)
echo "    ports on n3: alpha $PORT_A, beta $PORT_B"
[ -n "$PORT_A" ] && [ -n "$PORT_B" ] && [ "$PORT_A" != "$PORT_B" ] || fail "alpha and beta share port '$PORT_A' on n3"
[ "$(md_of n1 alpha)" = "$(md_of n2 beta)" ] || fail "expected both sources to use the same md name (the case N+1 must handle)"
TAG=alpha wait_synced n1
TAG=beta wait_synced n2

step "16 MiB of files on each mirror; each pair of legs identical"
write_file n1 /tmp/alpha a1 8
write_file n2 /tmp/beta b1 8
TAG=alpha compare_pair n1 0 /dev/ubda n3 0 "n1/n3 in sync"
TAG=beta compare_pair n2 0 /dev/ubda n3 1 "n2/n3 in sync"
sleep 7  # md clears the bits of replicated writes lazily (daemon_sleep 5 s)

step "n1 dies: n3 runs alpha and stays beta's target"
lab crash n1 > /dev/null
OUT=$(nr n3 restore alpha 2>&1) || { echo "$OUT"; fail "restore of alpha on n3 failed"; }
echo "$OUT" | sed 's/^/    [n3 restore alpha] /'
TAG=alpha expect_flag n3 last_owner n3
expect_files n3 /tmp/alpha a1
write_file n3 /tmp/alpha a2 4
write_file n2 /tmp/beta b2 4
TAG=beta expect_flag n3 sync_state in_sync
expect_md_health n2 "[UU]"
TAG=beta compare_pair n2 0 /dev/ubda n3 1 "n2/n3 while n3 runs alpha"
sleep 7

step "n2 dies too: n3 runs beta as well, under an md device of its own"
lab crash n2 > /dev/null
OUT=$(nr n3 restore beta 2>&1) || { echo "$OUT"; fail "restore of beta on n3 failed"; }
echo "$OUT" | sed 's/^/    [n3 restore beta] /'
MD_A=$(md_of n3 alpha)
MD_B=$(md_of n3 beta)
echo "    on n3: alpha on $MD_A, beta on $MD_B"
[ "$MD_A" != "$MD_B" ] || fail "alpha and beta share $MD_A on n3"
TAG=beta expect_flag n3 last_owner n3
nr n3 quickcheck alpha || fail "quickcheck of alpha on n3 failed"
nr n3 quickcheck beta || fail "quickcheck of beta on n3 failed"
expect_files n3 /tmp/alpha a1 a2
expect_files n3 /tmp/beta b1 b2
write_file n3 /tmp/beta b3 4

step "n1 and n2 return: restore refused on each; n3 resyncs both partially"
lab boot n1 > /dev/null
lab boot n2 > /dev/null
nr n1 restore alpha > /dev/null 2>&1 && fail "restore of alpha on n1 succeeded while n3 runs it"
nr n2 restore beta > /dev/null 2>&1 && fail "restore of beta on n2 succeeded while n3 runs it"
for pair in alpha:n1 beta:n2; do
  IFS=: read -r TAG node <<< "$pair"
  nr n3 resync $TAG > "$SHARED/resync.$TAG.log" 2>&1
  sed "s/^/    [n3 resync $TAG] /" "$SHARED/resync.$TAG.log"
  grep -q "$node: re-add (partial resync)" "$SHARED/resync.$TAG.log" || fail "n3 did not re-add $node to $TAG partially"
  nr n3 wait $TAG --timeout 300 > /dev/null || fail "resync of $TAG to $node did not finish"
  nbd=$(nbd_of n3 "$node")
  resynced=$(bytes_written n3 "$nbd")
  echo "    $TAG: resynced to $node: $resynced bytes"
  expect_partial_resync "$TAG: resync to $node" "$resynced" $((256 << 20))  # the lab disk
  nr n3 resync $TAG > /dev/null
  expect_flag "$node" sync_state in_sync
  expect_flag "$node" source n3
done
expect_files n3 /tmp/alpha a1 a2
expect_files n3 /tmp/beta b1 b2 b3
on n3 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
TAG=alpha compare_pair n3 0 /dev/ubda n1 0 "n3/n1 after the resync"
TAG=beta compare_pair n3 1 /dev/ubdb n2 0 "n3/n2 after the resync"
echo "PASS $TEST_NAME"
