#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `netraid probe` on the host over loopback, with libnbd and with netraid's own
# handshake (--native, the code attach uses), against stock nbdkit (strict
# export names) and stock nbd-server: right tag, wrong tag, too small, refused port.
set -u
NAME=host-probe-interop
BUILD_DIR="${NETRAID_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}"
NETRAID="$BUILD_DIR/cli/netraid"
fail() { echo "FAIL $NAME: $*" >&2; exit 1; }
skip() { echo "SKIP $NAME: $*"; exit 77; }
command -v nbdkit > /dev/null || skip "nbdkit not installed"
command -v nbd-server > /dev/null || skip "nbd-server not installed"
[ -x "$NETRAID" ] || fail "no $NETRAID: build first"

DIR=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done; rm -rf "$DIR"; }
trap cleanup EXIT
truncate -s 64M "$DIR/disk.img"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P1=$(free_port)
nbdkit -i 127.0.0.1 -p "$P1" -P "$DIR/nbdkit.pid" --filter=exportname \
  file file="$DIR/disk.img" exportname-strict=true exportname=tag1 || fail "nbdkit did not start"
PIDS+=("$(cat "$DIR/nbdkit.pid")")
P2=$(free_port)
cat > "$DIR/nbd.conf" << CONF
[generic]
    port = $P2
    listenaddr = 127.0.0.1
    allowlist = false
[tag2]
    exportname = $DIR/disk.img
    flush = true
    fua = true
CONF
nbd-server -C "$DIR/nbd.conf" -p "$DIR/nbd-server.pid" 2> "$DIR/nbd-server.log" || fail "nbd-server did not start"
for _ in $(seq 50); do [ -s "$DIR/nbd-server.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$DIR/nbd-server.pid")")

expect() {  # expect RC 'message part' -- ARGS
  local want="$1" part="$2"; shift 3
  local out rc
  out=$("$NETRAID" "$@" 2>&1); rc=$?
  [ "$rc" = "$want" ] || fail "netraid $*: expected exit $want, got $rc: $out"
  [ -z "$part" ] || grep -qF -- "$part" <<< "$out" || fail "netraid $*: expected '$part' in: $out"
  echo "ok: netraid $* -> $rc"
}
for mode in "" --native; do
  for srv in "127.0.0.1:$P1 tag1" "127.0.0.1:$P2 tag2"; do
    set -- $srv
    expect 0 "SIZE=67108864" -- probe "$1" "$2" $mode
    expect 0 "CAN_FUA=1" -- probe "$1" "$2" --size 64M $mode
    expect 1 "export 'nope' not found" -- probe "$1" nope $mode
    expect 1 "are needed: give the target a larger disk" -- probe "$1" "$2" --size 65M $mode
  done
  expect 1 "refused: start the NBD server" -- probe "127.0.0.1:$(free_port)" tag1 $mode
done
expect 2 "invalid port '99999'" -- probe 127.0.0.1:99999 tag1
echo "PASS $NAME"
