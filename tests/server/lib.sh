# SPDX-License-Identifier: GPL-2.0-or-later
# Shared vocabulary of the nbd-server tests. Source it first thing.
set -euo pipefail

PLUGIN=${NETRAID_PLUGIN:-}
NETRAID=${NETRAID_CLI:-}
NBDSH=(/usr/bin/python3 -m nbdsh)   # a non-system python may come first in PATH

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

need() {
  local t
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"; done
}

[[ -n $PLUGIN && -f $PLUGIN ]] || skip "NETRAID_PLUGIN does not name the built plugin (run through ctest)"
need nbdkit

# Everything a test creates lives here or is undone by a cleanup hook.
WORK=$(mktemp -d /var/tmp/netraid-server-test.XXXXXX)
CLEANUP=()
on_exit() {
  local i
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap on_exit EXIT
at_exit() { CLEANUP+=("$1"); }

md5() { md5sum "$1" | cut -d' ' -f1; }

# A file of SIZE random bytes at PATH.
random_file() { head -c "$2" /dev/urandom >"$1"; }

# loop_device FILE [losetup options...] -> sets LOOP=/dev/loopN, detached at
# exit (not a $(...) call: the cleanup must be registered in this shell);
# skips the test when this host cannot make loop devices.
loop_device() {
  local file=$1
  shift
  command -v losetup >/dev/null || skip "losetup is not installed"
  LOOP=$(losetup --find --show "$@" "$file" 2>/dev/null) || skip "cannot create a loop device here (losetup failed)"
  at_exit "losetup -d $LOOP"
}

# expect_refusal PATTERN nbdkit-plugin-args... : nbdkit must exit non-zero
# before serving, with exactly one error line matching PATTERN.
expect_refusal() {
  local pattern=$1
  shift
  local rc=0
  nbdkit -U - "$PLUGIN" "$@" --run 'echo SERVED' >"$WORK/out" 2>"$WORK/err" || rc=$?
  [[ $rc -ne 0 ]] || fail "expected nbdkit to refuse ($*), it exited 0"
  if grep -q SERVED "$WORK/out"; then fail "expected a refusal before serving ($*), but it served"; fi
  local lines
  lines=$(wc -l <"$WORK/err")
  [[ $lines -eq 1 ]] || fail "expected one error line for ($*), got $lines: $(cat "$WORK/err")"
  grep -q -- "$pattern" "$WORK/err" || fail "expected error matching '$pattern' for ($*), got: $(cat "$WORK/err")"
  pass "refused ($*): $(cat "$WORK/err")"
}

# A free TCP port on loopback (good enough for a test: nobody races us for it
# between here and nbdkit's bind, and if someone does the test fails loudly).
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
