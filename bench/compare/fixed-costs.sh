#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where the fixed cost of extend, pause and resume goes: every round trip to
# the target (NETRAID_TRACE_REMOTE=1) and the wall time of each verb, timed
# inside the source node, on a 2-node lab with a small disk so the copy
# itself costs little. Also the lab's own round trip (`lab exec n2 -- true`
# from inside n1) and a local netraid start, the floor under each round trip.
#
#   bench/compare/fixed-costs.sh [--rounds N]
#
# NETRAID_BUILD_DIR picks the netraid under test (both nodes run it).
# Prints measurements; asserts nothing (a benchmark, not a test).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
export NETRAID_LAB="${NETRAID_LAB:-bench-fixed}"
ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="${2:-}"; shift 2 ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--rounds N]" >&2; exit 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "fixed-costs: --rounds takes 1-99" >&2; exit 2; }
. "$HERE/../../tests/lab/lib.sh"
lab_up 2 --disks 64M --modules md,nbd
netraid_lab_setup

# timed NAME ARGV...: run ARGV in n1, print its wall time and its round trips.
timed() {
  local name=$1; shift
  try_on n1 sh -c 't0=$(date +%s%N); env NETRAID_TRACE_REMOTE=1 "$@" > /dev/null 2> /tmp/trace; rc=$?
    echo "$(( ($(date +%s%N) - t0) / 1000000 )) $rc"; grep "^netraid: remote " /tmp/trace' sh "$@" |
    awk -v name="$name" 'NR == 1 { printf "%-8s %6d ms (exit %d)\n", name, $1, $2; next }
      { sub(/^netraid: remote /, ""); if (length($0) > 110) $0 = substr($0, 1, 60) " ... " substr($0, length($0) - 20); print "           " $0 }'
}

echo "floor: the lab's round trip and a local netraid start, from inside n1"
for i in $(seq "$ROUNDS"); do
  try_on n1 sh -c 't0=$(date +%s%N); "$1" exec n2 -- true; t1=$(date +%s%N); "$2" node-info --json > /dev/null; t2=$(date +%s%N)
    echo "  lab exec n2 -- true: $(( (t1 - t0) / 1000000 )) ms; local netraid node-info: $(( (t2 - t1) / 1000000 )) ms"' sh "$LAB" "$NETRAID"
done
nr n1 create fc --local /dev/ubda --no-tls > /dev/null || fail "create failed"
timed extend "$NETRAID" extend fc --target n2 --target-device /dev/ubda
timed wait "$NETRAID" wait fc
for i in $(seq "$ROUNDS"); do
  timed pause "$NETRAID" pause fc
  on n1 dd if=/dev/urandom of=/dev/md0 bs=4k count=50 seek=$((i * 1000)) oflag=direct status=none
  timed resume "$NETRAID" resume fc
  timed wait "$NETRAID" wait fc
done
