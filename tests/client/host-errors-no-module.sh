#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# On a machine without the nbd module, attach/detach/nbd-status say so in one
# line with the fix and exit 1 — before touching the network.
set -u
NAME=host-errors-no-module
BUILD_DIR="${NETRAID_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}"
NETRAID="$BUILD_DIR/cli/netraid"
fail() { echo "FAIL $NAME: $*" >&2; exit 1; }
[ -d /sys/module/nbd ] && { echo "SKIP $NAME: this kernel has nbd loaded (the lab test covers a missing module)"; exit 77; }
for args in "attach 192.0.2.1 tag" "detach /dev/nbd0" "nbd-status" "nbd-watch /dev/nbd0"; do
  out=$($NETRAID $args 2>&1); rc=$?
  [ $rc = 1 ] || fail "netraid $args: expected exit 1, got $rc: $out"
  [ "$out" = "netraid: ${args%% *}: nbd kernel module not loaded (no /sys/module/nbd): load it with 'modprobe nbd' and retry" ] ||
    fail "netraid $args: unexpected message: $out"
  echo "ok: netraid $args -> $out"
done
echo "PASS $NAME"
