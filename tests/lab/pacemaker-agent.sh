#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ocf:netraid:netraid on its own, in a 2-node Corosync + Pacemaker lab: valid
# meta-data, validate-all's exit codes on bad parameters, resource-agents'
# ocf-tester (every action and its OCF exit code, promote = restore, demote =
# remove), and the promotion scores from netraid's own decision: the source
# 10000, its in-sync target a standby score, the same target once the source
# recorded it out of sync none at all. Then the cluster lab's and the
# fence-peer pieces refuse bad inputs with one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pacemaker.sh"

pcmk_lab_up 2
step "cluster up: crm_mon shows n1 and n2 online"
node_online n1 n1 && node_online n1 n2 || fail "crm_mon does not show both nodes online"

step "mirror $TAG: n1 -> n2, raw (the file system is Pacemaker's Filesystem resource), in sync"
nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
wait_synced n1

# agent NODE ACTION [NAME=VALUE...]: the agent run as Pacemaker runs it; prints its exit status.
agent() {
  local node="$1" action="$2"; shift 2
  try_on "$node" env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=nr-$TAG "$@" "$OCF_AGENT" "$action" > /dev/null 2>&1
  echo $?
}

step "meta-data is valid OCF XML (ra-api-1.dtd) and documents every parameter"
try_on n1 "$OCF_AGENT" meta-data > "$SHARED/meta.xml" || fail "meta-data exited non-zero"
(cd /usr/share/resource-agents && xmllint --noout --valid - < "$SHARED/meta.xml") || fail "meta-data does not validate against ra-api-1.dtd"
for p in tag netraid lock_wait; do
  grep -q "<parameter name=\"$p\"" "$SHARED/meta.xml" || fail "meta-data does not document parameter $p"
done
[ "$(grep -c '<longdesc lang="en">' "$SHARED/meta.xml")" -ge 4 ] || fail "meta-data: a parameter lacks its longdesc"
grep -q 'role="Promoted"' "$SHARED/meta.xml" && grep -q 'role="Unpromoted"' "$SHARED/meta.xml" ||
  fail "meta-data has no monitor per role"

step "validate-all: bad parameters give OCF's codes (6 configured, 5 installed), a good one 0"
rc=$(agent n1 validate-all); [ "$rc" = 6 ] || fail "validate-all without tag exited $rc, expected 6 (OCF_ERR_CONFIGURED)"
rc=$(agent n1 validate-all OCF_RESKEY_tag='bad;tag'); [ "$rc" = 6 ] || fail "validate-all with tag 'bad;tag' exited $rc, expected 6"
rc=$(agent n1 validate-all OCF_RESKEY_tag=nosuch OCF_RESKEY_netraid="$NETRAID"); [ "$rc" = 6 ] || fail "validate-all of an unknown mirror exited $rc, expected 6"
rc=$(agent n1 validate-all OCF_RESKEY_tag=$TAG OCF_RESKEY_netraid=/nonexistent/netraid); [ "$rc" = 5 ] || fail "validate-all with a missing netraid exited $rc, expected 5 (OCF_ERR_INSTALLED)"
rc=$(agent n1 validate-all OCF_RESKEY_tag=$TAG OCF_RESKEY_netraid="$NETRAID" OCF_RESKEY_CRM_meta_promoted_max=2); [ "$rc" = 6 ] || fail "validate-all with promoted-max=2 exited $rc, expected 6"
rc=$(agent n1 validate-all OCF_RESKEY_tag=$TAG OCF_RESKEY_netraid="$NETRAID"); [ "$rc" = 0 ] || fail "validate-all of $TAG exited $rc, expected 0"
OUT=$(try_on n1 env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=nr-$TAG OCF_RESKEY_tag=nosuch OCF_RESKEY_netraid="$NETRAID" "$OCF_AGENT" validate-all 2>&1)
echo "    $(grep -m1 -o 'no mirror nosuch.*' <<< "$OUT")"
grep -q "no mirror nosuch" <<< "$OUT" || fail "validate-all of an unknown mirror did not say why: $OUT"
rc=$(agent n2 monitor OCF_RESKEY_tag=nosuch OCF_RESKEY_netraid="$NETRAID" OCF_RESKEY_CRM_meta_interval=0)
[ "$rc" = 7 ] || fail "a probe of an unknown mirror exited $rc, expected 7 (not running)"

step "monitor: 8 (running promoted) on the source, 7 (not running) on the target before start"
rc=$(agent n1 monitor OCF_RESKEY_tag=$TAG OCF_RESKEY_netraid="$NETRAID"); [ "$rc" = 8 ] || fail "monitor on n1 exited $rc, expected 8"
rc=$(agent n2 monitor OCF_RESKEY_tag=$TAG OCF_RESKEY_netraid="$NETRAID"); [ "$rc" = 7 ] || fail "monitor on n2 exited $rc, expected 7"

step "promotion scores: n1 in service 10000, n2 its in-sync target (standby) 990 (1000 minus its priority 10, extend's default)"
P1=$(nr n1 promotion $TAG) || fail "promotion on n1 failed"
P2=$(nr n2 promotion $TAG) || fail "promotion on n2 failed"
echo "$P1" | sed 's/^/    n1: /'
echo "$P2" | sed 's/^/    n2: /'
grep -qx 'NETRAID_SCORE=10000' <<< "$P1" && grep -qx 'NETRAID_ROLE=promoted' <<< "$P1" || fail "n1's promotion is not promoted/10000"
grep -qx 'NETRAID_SCORE=990' <<< "$P2" && grep -qx 'NETRAID_STANDING=standby' <<< "$P2" || fail "n2's promotion is not standby/990"
OUT=$(nr n1 promotion 'bad tag' 2>&1); rc=$?
[ $rc = 2 ] || fail "promotion with a bad TAG exited $rc, expected 2"
[ "$(wc -l <<< "$OUT")" = 1 ] || fail "promotion with a bad TAG printed more than one line: $OUT"

step "a stale copy gets no score: n2's link cut, n1 writes, its pass records n2 out of sync"
lab cut n1 n2 > /dev/null
on n1 dd if=/dev/urandom of=$MD bs=1M count=4 oflag=direct status=none
nr n1 monitor --once > /dev/null 2>&1
for _ in $(seq 1 30); do
  [ "$(flag n1 targets)" = "n2 out_of_sync" ] && break
  sleep 1; nr n1 monitor --once > /dev/null 2>&1
done
expect_flag n1 targets "n2 out_of_sync"
P2=$(nr n2 promotion $TAG) || fail "promotion on n2 failed"
echo "$P2" | sed 's/^/    n2: /'
grep -qx 'NETRAID_SCORE=0' <<< "$P2" && grep -qx 'NETRAID_STANDING=none' <<< "$P2" || fail "stale n2 still has a promotion score"
lab heal > /dev/null
nr n1 resync $TAG > /dev/null || fail "resync of n2 after the heal failed"
wait_synced n1
P2=$(nr n2 promotion $TAG) || fail "promotion on n2 failed"
grep -qx 'NETRAID_SCORE=990' <<< "$P2" || fail "n2 resynced but its score is not back to 990: $P2"
echo "    n2 after its resync: $(grep SCORE <<< "$P2")"

step "ocf-tester on n1: every action, promote = restore, demote = remove"
try_on n1 env OCF_ROOT=/usr/lib/ocf ocf-tester -v -n nr-$TAG -o tag=$TAG -o netraid="$NETRAID" "$OCF_AGENT" > "$SHARED/ocf-tester.log" 2>&1
rc=$?
grep -E '^\*|passed|failed|Checking|Testing' "$SHARED/ocf-tester.log" | sed 's/^/    /' | tail -n 40
[ $rc = 0 ] || fail "ocf-tester exited $rc (log: $SHARED/ocf-tester.log)"
grep -q "passed all tests" "$SHARED/ocf-tester.log" || fail "ocf-tester did not pass all tests"

step "after ocf-tester: n1 released $TAG cleanly, the data is intact, n1 restores it again"
expect_no_flag n1 last_owner
expect_flag n1 source n1
nr n1 restore $TAG > /dev/null || fail "restore on n1 after ocf-tester failed"
wait_synced n1
sync_and_compare n1 n2 "after ocf-tester"

step "bad inputs: one line naming the problem, non-zero exit, nothing changed"
# expect_bad WHAT WANT_RC WANT_TEXT CMD...: CMD exits WANT_RC with one line holding WANT_TEXT.
expect_bad() {
  local what="$1" want_rc="$2" want="$3" out rc
  shift 3
  out=$("$@" 2>&1); rc=$?
  [ "$rc" = "$want_rc" ] || fail "$what: exited $rc, expected $want_rc ($out)"
  grep -q -- "$want" <<< "$out" || fail "$what: no '$want' in: $out"
  [ "$(wc -l <<< "$out")" = 1 ] || fail "$what: more than one line: $out"
  echo "    $what: $out"
}
expect_bad "power with a bad verb" 2 "power needs off, on or status" lab power reboot n2
expect_bad "power of a bad node" 2 "bad node name" lab power off n9x
expect_bad "cluster-wait with bad seconds" 2 "bad wait" lab cluster-wait n1 soon
expect_bad "fence agent, unknown action" 1 "unknown action 'explode'" lab exec n1 -- sh -c 'printf "action=explode\nport=n2\n" | fence_netraid_lab'
expect_bad "fence agent, bad port" 1 "needs a lab node" lab exec n1 -- sh -c 'printf "action=off\nport=n1;reboot\n" | fence_netraid_lab'
expect_bad "fence-peer handler, bad arguments" 2 "usage: netraid-fence-peer TAG HOST" lab exec n1 -- "$SOURCE_DIR/scripts/pacemaker/netraid-fence-peer" "bad tag" n2
expect_bad "nbd-watch, relative handler" 2 "is not an absolute path" lab exec n1 -- "$NETRAID" nbd-watch /dev/nbd0 --fence-peer netraid-fence-peer --mirror $TAG --peer n2
expect_bad "nbd-watch, handler without --peer" 2 "go together" lab exec n1 -- "$NETRAID" nbd-watch /dev/nbd0 --fence-peer /bin/true --mirror $TAG
lab status | grep -q '^  n2 .* running$' || fail "a bad power request changed n2"
[ -z "$(try_on n1 crm_attribute --node n2 --name netraid-outdated-$TAG --query --quiet --lifetime forever 2> /dev/null)" ] ||
  fail "a bad fence-peer call recorded n2 outdated"
echo "PASS $TEST_NAME"
