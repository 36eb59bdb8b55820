# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the client's lab tests (sourced): the lab vocabulary of tests/lab
# plus target servers on n2.
. "$(dirname "${BASH_SOURCE[0]}")/../lab/lib.sh"
[ -x "$NETRAID" ] || fail "no $NETRAID: build first"

# nbdkit on n2 serving /dev/ubda as export TAG only (strict names), port 10809.
start_nbdkit() {
  on n2 nbdkit -i "$N2" -p 10809 -P /run/nbdkit.pid --filter=exportname \
    file file=/dev/ubda exportname-strict=true exportname="${1:-tag}"
}
kill_nbdkit() { on n2 sh -c 'kill -9 "$(cat /run/nbdkit.pid)"'; }
# Expect NODE's `netraid ARGS` to exit RC with TEXT in its output.
expect_netraid() {
  local node="$1" want="$2" text="$3"; shift 3
  local out rc
  out=$(try_on "$node" "$NETRAID" "$@" 2>&1); rc=$?
  [ "$rc" = "$want" ] || fail "netraid $*: expected exit $want, got $rc: $out"
  [ -z "$text" ] || grep -qF -- "$text" <<< "$out" || fail "netraid $*: expected '$text' in: $out"
  echo "    ok ($rc): netraid $* -> $(tail -n1 <<< "$out")"
}
connected_count() { try_on "$1" "$NETRAID" nbd-status --json | grep -c '"connected": true'; }
