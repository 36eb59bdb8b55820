#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad inputs to `netraid attach` on a real kernel: each is one line naming the
# problem and the fix, a non-zero exit, and no device left attached.
. "$(dirname "$0")/lab-lib.sh"
lab_up 2 --disks 64M
N2=$(lab addr n2)
start_nbdkit tag

none_attached() { [ "$(connected_count n1)" = "${1:-0}" ] || fail "after '$2': $(connected_count n1) device(s) attached, expected ${1:-0}"; }
case_() {  # RC TEXT -- ARGS
  local rc="$1" text="$2"; shift 3
  expect_netraid n1 "$rc" "$text" "$@"
  none_attached 0 "$*"
}
step "unreachable host, refused port, wrong export name, target too small"
case_ 1 "10.201.0.99:10809 unreachable" -- attach 10.201.0.99 tag
case_ 1 "connection to $N2:10810 refused: start the NBD server on the target or fix the port" -- attach "$N2:10810" tag
case_ 1 "export 'wrong' not found on the server" -- attach "$N2" wrong
case_ 1 "export is 67108864 bytes but 134217728 are needed: give the target a larger disk" -- attach "$N2" tag --size 128M
step "invalid numbers and arguments (exit 2, nothing tried)"
case_ 2 "invalid --connections 'many'" -- attach "$N2" tag --connections many
case_ 2 "invalid --timeout '0'" -- attach "$N2" tag --timeout 0
case_ 2 "invalid --dead-conn-timeout '1.5'" -- attach "$N2" tag --dead-conn-timeout 1.5
case_ 2 "invalid port '0'" -- attach "$N2:0" tag
case_ 2 "bad device '/dev/sda'" -- attach "$N2" tag --device /dev/sda
case_ 2 "expected HOST[:PORT] TAG" -- attach "$N2"
step "device index busy"
on n1 "$NETRAID" attach "$N2" tag --device /dev/nbd4 > /dev/null
expect_netraid n1 1 "/dev/nbd4 is already attached: detach it first" attach "$N2" tag --device /dev/nbd4
none_attached 1 "busy"
[ "$(try_on n1 cat /sys/block/nbd4/backend)" = "nbd://$N2:10809/tag" ] || fail "the busy device was disturbed"
on n1 "$NETRAID" detach /dev/nbd4
expect_netraid n1 0 "not attached: nothing to do" detach /dev/nbd4
step "nbd module absent"
on n1 rmmod nbd
expect_netraid n1 1 "nbd kernel module not loaded (no /sys/module/nbd): load it with 'modprobe nbd' and retry" attach "$N2" tag
expect_netraid n1 1 "nbd kernel module not loaded" nbd-status
echo "PASS $TEST_NAME"
