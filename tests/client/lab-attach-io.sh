#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# n1 attaches n2's disk with `netraid attach` (our handshake, netlink CONNECT),
# from stock nbdkit and from stock nbd-server 3.24, with 1 and 4 connections;
# a random pattern written through /dev/nbdN reads back and sits on n2's disk.
. "$(dirname "$0")/lab-lib.sh"
lab_up 2 --disks 128M,128M
N2=$(lab addr n2)
make_pattern "$SHARED/pattern" 32

write_read_compare() {  # DEVICE DISK-INDEX-ON-N2 WHAT
  on n1 dd if="$SHARED/pattern" of="$1" bs=1M oflag=direct status=none
  on n1 dd if="$1" of="$SHARED/readback" bs=1M count=32 iflag=direct status=none
  cmp "$SHARED/pattern" "$SHARED/readback" || fail "$3: data read back through $1 differs"
  on n2 sync
  cmp -n $((32 << 20)) "$SHARED/pattern" "$(lab disk n2 "$2")" || fail "$3: n2's disk does not hold the pattern"
  echo "    $3: 32 MiB written, read back and found on n2's disk"
}

step "nbdkit on n2 (export 'tag' only); n1: netraid attach, kernel picks the device"
start_nbdkit tag
DEV=$(try_on n1 "$NETRAID" attach "$N2" tag --size 128M) || fail "attach failed"
[[ "$DEV" =~ ^/dev/nbd[0-9]+$ ]] || fail "attach printed '$DEV', expected /dev/nbdN"
on n1 "$NETRAID" nbd-status "$DEV" > /dev/null
[ "$(try_on n1 cat "/sys/block/${DEV#/dev/}/backend")" = "nbd://$N2:10809/tag" ] || fail "backend identifier not set"
write_read_compare "$DEV" 0 "nbdkit, 1 connection"
on n1 "$NETRAID" detach "$DEV"
try_on n1 "$NETRAID" nbd-status "$DEV" > /dev/null && fail "$DEV still connected after detach"

step "same with 4 connections on a chosen device /dev/nbd5"
make_pattern "$SHARED/pattern" 32
DEV=$(try_on n1 "$NETRAID" attach "$N2:10809" tag --device /dev/nbd5 --connections 4) || fail "attach x4 failed"
[ "$DEV" = /dev/nbd5 ] || fail "asked for /dev/nbd5, got $DEV"
write_read_compare "$DEV" 0 "nbdkit, 4 connections"
on n1 "$NETRAID" detach /dev/nbd5

step "stock nbd-server 3.24 on n2 serving /dev/ubdb as 'leg2' (interop)"
cat > "$SHARED/nbd.conf" << CONF
[generic]
    port = 10810
    listenaddr = $N2
    allowlist = false
[leg2]
    exportname = /dev/ubdb
    flush = true
    fua = true
CONF
on n2 nbd-server -C "$SHARED/nbd.conf" -p /run/nbd-server.pid
sleep 1
make_pattern "$SHARED/pattern" 32
DEV=$(try_on n1 "$NETRAID" attach "$N2:10810" leg2 --device /dev/nbd2) || fail "attach to nbd-server failed"
write_read_compare "$DEV" 1 "nbd-server 3.24"
on n1 "$NETRAID" detach /dev/nbd2
[ "$(connected_count n1)" = 0 ] || fail "devices left attached on n1"
echo "PASS $TEST_NAME"
