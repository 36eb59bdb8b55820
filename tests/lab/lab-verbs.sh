#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lab tool itself: exec passes arguments untouched and returns stdout,
# stderr and exit status; nodes are private where they must be; links can be
# cut, healed and slowed; a crashed node boots on the same disks; down leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 64M,16M
N1=$(lab addr n1)
N2=$(lab addr n2)

step "exec returns stdout, stderr and the exit status separately"
OUT=$(lab exec n1 -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' 2> "$SHARED/err")
RC=$?
[ "$RC" = 3 ] || fail "expected exit status 3 from the node, got $RC"
[ "$OUT" = to-stdout ] || fail "expected stdout 'to-stdout', got '$OUT'"
[ "$(cat "$SHARED/err")" = to-stderr ] || fail "expected stderr 'to-stderr', got '$(cat "$SHARED/err")'"

step "arguments reach the node unchanged (no shell re-interprets them)"
ARG='a b;$(touch /tmp/pwned)`id`*'
OUT=$(on n1 printf '%s|' "$ARG" "")
[ "$OUT" = "$ARG||" ] || fail "argument changed on its way: sent '$ARG', node saw '$OUT'"
try_on n1 test -e /tmp/pwned && fail "an argument was run by a shell in the node"

step "each node has its own hostname, /tmp, /etc/netraid and disks of the asked sizes"
[ "$(on n1 hostname)" = n1 ] && [ "$(on n2 hostname)" = n2 ] || fail "hostnames are not n1/n2"
on n1 sh -c 'echo n1 > /tmp/mine; echo n1 > /etc/netraid/mine'
try_on n2 test -e /tmp/mine && fail "n1's /tmp is visible in n2"
try_on n2 test -e /etc/netraid/mine && fail "n1's /etc/netraid is visible in n2"
[ "$(on n1 blockdev --getsize64 /dev/ubda)" = $((64 << 20)) ] || fail "ubda is not 64 MiB"
[ "$(on n1 blockdev --getsize64 /dev/ubdb)" = $((16 << 20)) ] || fail "ubdb is not 16 MiB"
on n1 grep -q '^raid1 ' /proc/modules
on n1 grep -q '^nbd ' /proc/modules

step "the nodes reach each other; cut drops the link, heal restores it"
# reaches A B WHEN: A gets an answer from B within 10 s (a ping every 0.3 s
# until the first answer: a fresh bridge port, ARP entry or a loaded machine
# may lose or delay the first ones, which TCP would retry too). On failure it
# shows what A and the bridge saw, for the post-mortem.
reaches() {
  local t0=$SECONDS
  try_on "$1" ping -c1 -i0.3 -w10 "$2" > /dev/null && {
    echo "    $1 reaches $2 $3 ($((SECONDS - t0)) s)"
    return 0
  }
  echo "--- $1 got no answer from $2 $3: neighbours, routes, links, bridge ports" >&2
  try_on "$1" sh -c 'ip neigh; ip route; ip -s link' >&2
  lab host -- bridge link >&2
  fail "$1 does not reach $2 $3"
}
reaches n1 "$N2" "after boot"
lab cut n1 n2 2> /dev/null
try_on n1 ping -c1 -W1 "$N2" > /dev/null 2>&1 && fail "n1 still reaches n2 after cut"
lab heal 2> /dev/null
reaches n1 "$N2" "after heal of a cut"
lab isolate n2 2> /dev/null
# n2 sends at once while isolated: with its tap taken down that killed n2's
# network for good (UML's vector driver after EIO).
try_on n2 ping -c2 -i0.3 -W1 "$N1" > /dev/null 2>&1 && fail "n2 still reaches n1 after isolate"
try_on n1 ping -c1 -W1 "$N2" > /dev/null 2>&1 && fail "n1 still reaches n2 after isolate"
lab heal 2> /dev/null
reaches n1 "$N2" "after heal of an isolate"

step "netem adds delay"
lab netem n2 delay 200ms 2> /dev/null
RTT=$(on n1 ping -c1 -W3 "$N2" | sed -n 's/.*time=\([0-9]*\).*/\1/p')
[ "${RTT:-0}" -ge 200 ] || fail "expected a round trip of at least 200 ms with netem, got '${RTT}' ms"
lab netem n2 off 2> /dev/null

step "sysrq shows the node's blocked tasks in its console log (what a stuck node is doing)"
if command -v uml_mconsole > /dev/null; then
  lab sysrq n1 w 2> /dev/null || fail "lab sysrq n1 w failed"
  for _ in $(seq 50); do grep -q "Show Blocked State" "$LAB_DIR/nodes/n1/console.log" && break; sleep 0.1; done
  grep -q "Show Blocked State" "$LAB_DIR/nodes/n1/console.log" || fail "sysrq w left nothing in n1's console log"
  lab sysrq n1 t 2> /dev/null && fail "lab sysrq took t (it once panicked a UML node)"
else
  echo "    (skipped: no uml_mconsole; tools/setup installs uml-utilities)"
fi

step "a crashed node is gone, boots on the same disks, and keeps its private state"
on n2 sh -c 'echo marker-before-crash | dd of=/dev/ubda oflag=direct bs=512 conv=sync status=none'
on n2 sh -c 'echo kept > /etc/netraid/state'
lab crash n2 2> /dev/null
try_on n2 true 2> /dev/null && fail "exec into a crashed node succeeded"
pgrep -f "umid=$NETRAID_LAB-n2" > /dev/null && fail "processes of crashed n2 are still alive"
lab boot n2 2> /dev/null
[ "$(on n2 head -c 19 /dev/ubda)" = marker-before-crash ] || fail "n2's disk lost what was written before the crash"
[ "$(on n2 cat /etc/netraid/state)" = kept ] || fail "n2's /etc/netraid did not survive the crash"
reaches n1 "$N2" "after n2 rebooted"

step "a second 'up' of the same lab is refused"
lab up 1 2> "$SHARED/err" && fail "a second 'up' of a running lab succeeded"
grep -q "still up" "$SHARED/err" || fail "the refusal does not say the lab is still up: $(cat "$SHARED/err")"

step "down leaves no process, namespace or files behind"
lab down 2> /dev/null
trap - EXIT
pgrep -f "umid=$NETRAID_LAB-" > /dev/null && fail "UML processes survived 'down'"
ip netns list | grep -q "nrlab-$NETRAID_LAB" && fail "network namespace survived 'down'"
[ -e "$LAB_DIR" ] && fail "lab directory $LAB_DIR survived 'down'"
echo "PASS $TEST_NAME"
