#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two commands on one mirror at once (issue 11, "Concurrency"). Every verb
# that changes a mirror takes the mirror's lock on its system, so two of them
# run one after the other, never interleaved: two extends to the same target
# build one NBD leg (the second sees it done), a resync or monitor pass never
# loses an extend's leg, a remove that says done leaves the mirror out of
# service even while a restore was reconnecting its targets, and delete under
# a running `wait` ends the wait with one clear line and leaves no NBD device
# attached anywhere. Each race runs a few times: interleavings differ.
. "$(dirname "$0")/lib.sh"

lab_up 3 --disks 32M
netraid_lab_setup
TAG=other

# n1's view of the mirror in one lab exec (each exec costs a slow CI machine
# about a second), one line each, sorted and space-separated:
#   md0's NBD legs (md's dev-nbdN entries); NBD devices connected to a server
#   (the kernel shows a pid while one is); the legs netraid recorded
#   (/run/netraid/TAG.legs.json); the configuration's targets (every host but
#   n1); "active" when md0 runs.
view_n1() {
  try_on n1 sh -c '
    ( cd /sys/block/md0/md 2> /dev/null && for d in dev-nbd*; do [ -e "$d" ] && echo "${d#dev-}"; done ) | sort | xargs
    for d in /sys/block/nbd*; do [ -e "$d/pid" ] && echo "${d##*/}"; done | sort | xargs
    cat "/run/netraid/$1.legs.json" 2> /dev/null | grep -o "nbd[0-9]*" | sort | xargs
    sed -n "s/.*\"host\": *\"\([^\"]*\)\".*/\1/p" "/etc/netraid/$1.json" 2> /dev/null | grep -v "^n1\$" | xargs
    test -e /sys/block/md0/md/array_state && ! grep -q "clear\|inactive" /sys/block/md0/md/array_state && echo active
    true' sh "$TAG"
}
recorded() { view_n1 | sed -n 3p; }
connected() {  # NBD devices of NODE connected to a server
  try_on "$1" sh -c 'for d in /sys/block/nbd*; do [ -e "$d/pid" ] && echo "${d##*/}"; done' | sort | xargs
}

# The source's view agrees with itself: one leg per target, each in md0 and
# recorded, and no NBD device connected that is not a recorded leg. (A leg
# may be out of md0 only while md is down.) WHAT names the race.
expect_consistent() {
  local what="$1" m c r t active view
  view=$(view_n1)
  { read -r m; read -r c; read -r r; read -r t; read -r active; } <<< "$view"
  echo "    n1 after $what: md0 legs [$m], connected [$c], recorded [$r], targets [$t]"
  if [ "$active" = active ]; then
    [ "$(wc -w <<< "$m")" = "$(wc -w <<< "$t")" ] || fail "$what: md0 has NBD legs [$m] for targets [$t]"
    [ "$m" = "$r" ] || fail "$what: md0 has NBD legs [$m] but netraid recorded [$r]"
    [ "$c" = "$r" ] || fail "$what: NBD devices [$c] are connected but netraid recorded [$r]"
  else
    [ -z "$c" ] || fail "$what: md0 is down but NBD devices [$c] are still connected"
  fi
}
# Runs SCRIPT with sh in n1 (the netraid binary is $1 there): races start
# inside the node, where `&` puts them a few milliseconds apart. A loaded CI
# machine can make one extend take minutes: the lock waits long enough.
in_n1() { try_on n1 env NETRAID_LOCK_WAIT=600 sh -c "$1" sh "$NETRAID"; }

step "mirror $TAG: n1 -> n2 (32 MiB raw), in sync"
nr n1 create $TAG --local /dev/ubda > /dev/null || fail "create failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend to n2 failed"
nr n1 wait $TAG --timeout 120 > /dev/null || fail "initial sync to n2 did not finish"
expect_consistent "the initial sync"

step "extend n3 twice at once (3 times): one extends, the other waits and finds n3 there"
for i in 1 2 3; do
  RCS=$(in_n1 '"$1" extend other --target n3 > /tmp/e1 2>&1 & p1=$!; "$1" extend other --target n3 > /tmp/e2 2>&1 & p2=$!
               wait $p1; r1=$?; wait $p2; echo "$r1 $?"')
  echo "    try $i: exit codes $RCS; last lines: $(in_n1 'tail -qn1 /tmp/e1 /tmp/e2' | tr '\n' ' ')"
  case "$RCS" in
    "0 2" | "2 0") ;;
    *) fail "two extends to n3 at once exited $RCS (one must succeed, the other find n3 already there)" ;;
  esac
  in_n1 'cat /tmp/e1 /tmp/e2' | grep -q "n3 is already part of mirror other" || fail "the second extend did not say n3 is there"
  expect_consistent "extend/extend try $i"
  nr n1 unextend $TAG n3 > /dev/null || fail "unextend n3 failed"
  expect_consistent "unextend n3"
done

step "a command that finds the mirror busy says so: waits, or fails at once with exit 75 (NETRAID_LOCK_WAIT=0)"
OUT=$(in_n1 '"$1" extend other --target n3 > /tmp/e1 2>&1 & sleep 1
             NETRAID_LOCK_WAIT=0 "$1" resync other 2>&1; echo "rc=$?"; "$1" pause other n2 2>&1; echo "rc=$?"; wait')
echo "$OUT" | sed 's/^/    /'
grep -q "^netraid: resync: other is busy: extend by pid [0-9]* (try again when it ends)$" <<< "$OUT" ||
  fail "resync did not fail at once naming the extend that holds the mirror"
grep -q "^rc=75$" <<< "$OUT" || fail "resync of a busy mirror did not exit 75"
grep -q "^netraid: pause: other is busy: extend by pid [0-9]*; waiting up to [0-9]* s$" <<< "$OUT" ||
  fail "pause did not say it waits for the extend"
[ "$(sed -n 's/^rc=//p' <<< "$OUT" | tail -n1)" = 0 ] || fail "pause failed after the extend ended"
nr n1 resume $TAG > /dev/null || fail "resume failed"
expect_consistent "extend, busy resync, pause, resume"

step "extend n3 against a resync pass that reconnects n2 (twice), and a monitor pass"
for i in 1 2; do
  nr n1 unextend $TAG n3 > /dev/null || fail "unextend n3 failed"
  nr n1 wait $TAG --timeout 120 > /dev/null || fail "n2 did not get in sync"
  # n2's leg fails: the next pass takes it out, reconnects and re-adds it.
  on n1 mdadm /dev/md0 --fail "/dev/$(recorded n1 | cut -d' ' -f1)" > /dev/null 2>&1
  OUT=$(in_n1 '"$1" extend other --target n3 > /tmp/e1 2>&1 & p1=$!; "$1" resync other > /tmp/r1 2>&1 & p2=$!
               wait $p1; r1=$?; wait $p2; echo "$r1 $?"')
  echo "    try $i: extend, resync exited $OUT"
  [ "${OUT%% *}" = 0 ] || fail "extend failed while a resync pass ran: $(in_n1 'cat /tmp/e1')"
  nr n1 resync $TAG > /dev/null  # whatever the race left, one more pass settles
  expect_consistent "extend/resync try $i"
done
nr n1 unextend $TAG n3 > /dev/null || fail "unextend n3 failed"
OUT=$(in_n1 '"$1" extend other --target n3 > /tmp/e1 2>&1 & sleep 1; "$1" monitor --once 2>&1; wait')
echo "$OUT" | sed 's/^/    /'
grep -q "netraid-monitor: other is busy: extend by pid [0-9]*: skipped this pass" <<< "$OUT" ||
  fail "the monitor pass did not skip the mirror the extend holds"
expect_consistent "extend/monitor"

step "remove during restore on n1 (3 times): when remove says done, the mirror is out of service"
# n2's leg fails first, so restore's pass reconnects n2 and runs long
# enough for remove to start 0.5 or 1 s into it.
for delay in 0 0.5 1; do
  on n1 mdadm /dev/md0 --fail "/dev/$(recorded n1 | cut -d' ' -f1)" > /dev/null 2>&1
  OUT=$(in_n1 '"$1" restore other > /tmp/s1 2>&1 & p1=$!; sleep '$delay'; "$1" remove other > /tmp/s2 2>&1; r2=$?
               wait $p1; echo "$? $r2"')
  ACTIVE=no; [ "$(view_n1 | sed -n 5p)" = active ] && ACTIVE=yes
  OWNER=$(flag n1 last_owner)
  echo "    remove $delay s after restore: restore, remove exited $OUT; md0 active: $ACTIVE, last_owner '${OWNER}'"
  [ "${OUT#* }" = 0 ] || fail "remove failed: $(in_n1 'cat /tmp/s2')"
  expect_consistent "restore/remove ($delay s)"
  if [ $ACTIVE = yes ]; then
    # Only when both started at once may restore have run last.
    [ "$delay" = 0 ] || fail "remove exited 0 but $TAG is in service on n1 (restore ran over it)"
    [ "$OWNER" = n1 ] || fail "md0 is active on n1 but ${TAG}_last_owner is '$OWNER'"
  else
    [ -z "$OWNER" ] || fail "md0 is down on n1 but ${TAG}_last_owner is '$OWNER'"
    # Back in service for the next race (the data on n1 is the newest).
    nr n1 restore $TAG > /dev/null 2>&1 || nr n1 force $TAG --yes > /dev/null || fail "cannot bring $TAG back on n1"
  fi
  nr n1 resync $TAG > /dev/null
  expect_consistent "bringing $TAG back"
done

step "delete while 'wait' follows a slow resync: the wait ends with one line, nothing stays attached"
nr n1 set $TAG --speed-limit 1000 --speed-limit-min 500 > /dev/null || fail "set failed"
nr n1 fullresync $TAG > /dev/null || fail "fullresync failed"
OUT=$(in_n1 '"$1" wait other > /tmp/w1 2> /tmp/w2 & sleep 1; "$1" delete other > /tmp/d1 2>&1; rd=$?
             for i in $(seq 100); do kill -0 $! 2> /dev/null || break; sleep 0.1; done
             if kill -0 $! 2> /dev/null; then kill $!; echo "hung"; else wait $!; echo "$rd $?"; fi; cat /tmp/w2')
echo "$OUT" | sed 's/^/    /'
[ "$(head -n1 <<< "$OUT")" != hung ] || fail "wait still runs 10 s after the mirror was deleted"
read -r RD RW <<< "$(head -n1 <<< "$OUT")"
[ "$RD" = 0 ] || fail "delete failed: $(in_n1 'cat /tmp/d1')"
[ "$RW" != 0 ] || fail "wait exited 0 although the mirror was deleted under it"
ERR=$(tail -n +2 <<< "$OUT")
[ "$(wc -l <<< "$ERR")" = 1 ] || fail "wait printed more than one line on stderr: $ERR"
grep -q "^netraid: wait: mirror other .*deleted" <<< "$ERR" || fail "wait did not say the mirror was deleted: $ERR"
for n in n1 n2 n3; do
  [ -z "$(connected $n)" ] || fail "NBD devices [$(connected $n)] still connected on $n after delete"
  try_on "$n" "$NETRAID" serve --status $TAG > /dev/null && fail "$n still serves $TAG after delete"
done
echo "    no NBD device connected and no server of $TAG on n1, n2, n3"
echo "PASS $TEST_NAME"
