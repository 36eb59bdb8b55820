#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The replication link through TLS (docs/security.md), in UML kernels with
# kernel TLS: mirror n1 -> n2 encrypted by default, a --no-tls mirror beside it
# as the control. A capture of the link (tcpdump in the lab's namespace) holds
# the plaintext control's canary and none of the encrypted mirror's; a system
# that takes the crashed source's address but lacks the key gets nothing and
# changes nothing (and one with the key but no kernel TLS is refused, never
# given plaintext); the mirror fails over, resyncs partially and rotates its
# key with TLS on, legs byte-identical after each.
. "$(dirname "$0")/lib.sh"

command -v tcpdump > /dev/null || skip "tcpdump is not installed (Debian: apt-get install tcpdump)"
lab_up 3 --disks 256M,64M
netraid_lab_setup
N1=$(lab addr n1)
N2=$(lab addr n2)
N3=$(lab addr n3)

step "mirror $TAG n1 -> n2 (TLS, the default) and 'plain' n1 -> n2 on the second disks (--no-tls)"
nr n1 create $TAG --local /dev/ubda > /dev/null || fail "create $TAG failed"
nr n1 create plain --local /dev/ubdb --no-tls > /dev/null 2>&1 || fail "create plain --no-tls failed"
nr n1 extend $TAG --target n2 > /dev/null || fail "extend $TAG failed"
nr n1 extend plain --target n2 --target-device /dev/ubdb > /dev/null || fail "extend plain failed"
nr n1 wait $TAG --timeout 300 > /dev/null || fail "$TAG did not sync"
nr n1 wait plain --timeout 300 > /dev/null || fail "plain did not sync"
for node in n1 n2; do
  MODE=$(try_on "$node" stat -c %a /etc/netraid/$TAG.psk) || fail "$node has no key file of $TAG"
  [ "$MODE" = 600 ] || fail "$node's key file of $TAG has mode $MODE, not 600"
  try_on "$node" test -e /etc/netraid/plain.psk && fail "$node has a key file for the --no-tls mirror"
done
[ "$(try_on n1 cat /etc/netraid/$TAG.psk)" = "$(try_on n2 cat /etc/netraid/$TAG.psk)" ] ||
  fail "n1 and n2 hold different keys of $TAG"
NBD=$(nbd_of n1 n2)
try_on n1 cat "/sys/block/${NBD#/dev/}/backend" | grep -q '^nbds://' || fail "$NBD's backend is not nbds://"
nr n1 status $TAG | grep -q 'Link : TLS' || fail "status $TAG does not say the link is TLS"
nr n1 status plain --json | grep -q '"tls": false' || fail "status plain --json does not say tls false"
echo "    key files 0600 on n1 and n2, $NBD backend $(try_on n1 cat "/sys/block/${NBD#/dev/}/backend")"

step "a capture of the link: the control's canary in plaintext, none of the TLS mirror's"
CANARY="NETRAID-PLAINTEXT-CANARY-7f3a91"
CANARY_FILE="$SHARED/canary.bin"
yes "$CANARY" | head -c $((4 << 20)) > "$CANARY_FILE"
PCAP="$SHARED/link.pcap"
# exec all the way down (netraid-lab host execs ip netns exec, which execs
# tcpdump): $! is tcpdump itself, which SIGINT stops with its file flushed.
: > "$SHARED/tcpdump.log"
(exec "$LAB" host -- tcpdump -i br0 -s 0 -U -Z root -w "$PCAP" tcp > "$SHARED/tcpdump.log" 2>&1) &
TCPDUMP=$!
trap 'rc=$?; kill $TCPDUMP 2> /dev/null; (exit $rc); lab_teardown' EXIT
for _ in $(seq 50); do grep -q 'listening on' "$SHARED/tcpdump.log" && break; sleep 0.1; done
PLAIN_MD=$(try_on n1 cat /etc/netraid/plain.json | sed -n 's/.*"md_device": *"\([^"]*\)".*/\1/p')
on n1 dd if="$CANARY_FILE" of=/dev/md0 bs=1M seek=16 oflag=direct status=none
on n1 dd if="$CANARY_FILE" of="$PLAIN_MD" bs=1M seek=16 oflag=direct status=none
sleep 1
kill -INT $TCPDUMP
wait $TCPDUMP 2> /dev/null
trap lab_teardown EXIT
CAPTURED=$(stat -c %s "$PCAP")
[ "$CAPTURED" -gt $((8 << 20)) ] || fail "the capture holds $CAPTURED bytes, less than the 8 MiB written"
# Packets of each mirror: its port on n2 (TLS mirror first: 10809; plain: 10810).
TLS_PORT=$(try_on n1 cat /etc/netraid/$TAG.json | tr ',{}' '\n\n\n' | grep -A6 '"host": *"n2"' | sed -n 's/.*"port": *\([0-9]*\).*/\1/p')
PLAIN_PORT=$(try_on n1 cat /etc/netraid/plain.json | tr ',{}' '\n\n\n' | grep -A6 '"host": *"n2"' | sed -n 's/.*"port": *\([0-9]*\).*/\1/p')
lab host -- tcpdump -r "$PCAP" -w "$SHARED/tls.pcap" "tcp port $TLS_PORT" 2> /dev/null
lab host -- tcpdump -r "$PCAP" -w "$SHARED/plain.pcap" "tcp port $PLAIN_PORT" 2> /dev/null
TLS_HITS=$(grep -a -c "$CANARY" "$SHARED/tls.pcap")
PLAIN_HITS=$(grep -a -c "$CANARY" "$SHARED/plain.pcap")
echo "    capture: $CAPTURED bytes; port $TLS_PORT (TLS) $(stat -c %s "$SHARED/tls.pcap") bytes, $TLS_HITS canary lines; port $PLAIN_PORT (plaintext) $(stat -c %s "$SHARED/plain.pcap") bytes, $PLAIN_HITS canary lines"
[ "$(stat -c %s "$SHARED/tls.pcap")" -gt $((4 << 20)) ] || fail "the TLS mirror's 4 MiB did not cross the link"
[ "$PLAIN_HITS" -gt 1000 ] || fail "the plaintext control shows the canary $PLAIN_HITS times: the capture proves nothing"
[ "$TLS_HITS" = 0 ] || fail "the canary is readable $TLS_HITS times on the TLS mirror's link"
sync_and_compare n1 n2 "n1 and n2 after the canary"

step "n1 crashes; n3 takes n1's address but has no key: refused at the handshake, n2's copy unchanged"
lab crash n1 > /dev/null
DISK2="$(lab disk n2)"
SUM_BEFORE=$(md5sum < "$DISK2")
on n3 ip addr del "$N3/24" dev vec0
on n3 ip addr add "$N1/24" dev vec0
ID=$(try_on n2 cut -d: -f1 /etc/netraid/$TAG.psk)
on n3 sh -c 'umask 077; printf "%s:%s\n" "$1" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n")" > /tmp/guess.psk' sh "$ID"
OUT=$(nr n3 attach "$N2:$TLS_PORT" $TAG 2>&1) && fail "a plaintext attach from n1's address succeeded: $OUT"
echo "$OUT" | grep -q 'requires TLS' || fail "a plaintext attach failed for another reason: $OUT"
echo "    plaintext attach: $OUT"
OUT=$(nr n3 attach "$N2:$TLS_PORT" $TAG --tls-psk /tmp/guess.psk 2>&1) && fail "an attach with a guessed key succeeded: $OUT"
echo "$OUT" | grep -q 'TLS handshake' || fail "an attach with a guessed key failed for another reason: $OUT"
echo "    guessed key ($ID): $OUT"
try_on n3 nbdcopy "nbd://$N2:$TLS_PORT/$TAG" /dev/null > /dev/null 2>&1 && fail "nbdcopy read the replica without a key"
try_on n3 nbdcopy "nbds://$ID@$N2:$TLS_PORT/$TAG?tls-psk-file=/tmp/guess.psk" /dev/null > /dev/null 2>&1 &&
  fail "nbdcopy read the replica with a guessed key"
# Even with the key, a kernel without kernel TLS gets no plaintext link:
# the handshake completes, handing the records to the kernel fails, the
# attach is refused.
on n3 sh -c 'umask 077; printf "%s\n" "$1" > /tmp/real.psk' sh "$(try_on n2 cat /etc/netraid/$TAG.psk)"
on n3 rmmod tls
OUT=$(nr n3 attach "$N2:$TLS_PORT" $TAG --tls-psk /tmp/real.psk 2>&1) && fail "an attach without kernel TLS succeeded: $OUT"
echo "$OUT" | grep -q 'kernel TLS is not available' || fail "an attach without kernel TLS failed for another reason: $OUT"
echo "    no kernel TLS: $OUT"
try_on n3 sh -c 'cat /sys/block/nbd*/pid 2> /dev/null' | grep -q . && fail "n3 has a connected NBD device"
on n2 sync
[ "$(md5sum < "$DISK2")" = "$SUM_BEFORE" ] || fail "n2's disk changed while n3 tried"
on n3 ip addr del "$N1/24" dev vec0
on n3 ip addr add "$N3/24" dev vec0
# n2 learnt n3's MAC for n1's address: forget it, as a returning n1's
# gratuitous ARP would make it (UML's boot sends none).
on n2 ip neigh flush all

step "n2 takes over with TLS on, writes; n1 boots and comes back as a target (partial resync)"
OUT=$(nr n2 restore $TAG 2>&1) || fail "restore on n2 failed: $OUT"
make_pattern "$SHARED/after" 4
on n2 dd if="$SHARED/after" of=/dev/md0 bs=1M seek=40 oflag=direct status=none
lab boot n1 > /dev/null || fail "n1 did not boot"
# As a cluster manager would on n1's boot: its restore is refused (the mirror
# is in service on n2) and gives up n1's claim, so n2 may resync it.
OUT=$(nr n1 restore $TAG 2>&1); RC=$?
[ $RC = 13 ] || fail "restore on the returning n1 exited $RC, expected 13: $OUT"
nbd_baseline n2
OUT=$(nr n2 resync $TAG 2>&1) || fail "the resync pass on n2 failed: $OUT"
nr n2 wait $TAG --timeout 300 > /dev/null || fail "n1 did not come back in sync: $OUT"
NBD1=$(nbd_of n2 n1)
try_on n2 cat "/sys/block/${NBD1#/dev/}/backend" | grep -q "^nbds://$N1:" || fail "n2's leg to n1 is not nbds://"
COPIED=$(bytes_written_since_baseline n2 "$NBD1")
echo "    n1 resynced $COPIED bytes through TLS"
expect_partial_resync "n1's return" "$COPIED" "$(array_size_bytes n2)" $((4 << 20))
sync_and_compare n2 n1 "n2 and n1 after the failover"

step "rotate-key on n2: the new key everywhere, the old one refused, the link reconnects with the new one"
on n2 sh -c 'umask 077; cp /etc/netraid/$1.psk /tmp/old.psk' sh $TAG
OUT=$(nr n2 rotate-key $TAG 2>&1) || fail "rotate-key failed: $OUT"
echo "$OUT" | sed 's/^/    /'
[ "$(try_on n1 cat /etc/netraid/$TAG.psk)" = "$(try_on n2 cat /etc/netraid/$TAG.psk)" ] || fail "n1 and n2 hold different keys after rotate-key"
[ "$(try_on n2 cat /etc/netraid/$TAG.psk)" != "$(try_on n2 cat /tmp/old.psk)" ] || fail "rotate-key did not change the key"
[ "$(try_on n2 grep -c . /etc/netraid/$TAG.psk)" = 1 ] || fail "the old key is still in n2's key file"
nr n2 probe "$N1:10809" $TAG --tls-psk /tmp/old.psk > /dev/null 2>&1 && fail "n1 still accepts the old key"
nr n2 probe "$N1:10809" $TAG --tls-psk /etc/netraid/$TAG.psk > /dev/null || fail "n1 refuses the new key"
nr n2 pause $TAG n1 > /dev/null 2>&1 || fail "pause n1 failed"
on n2 dd if="$SHARED/after" of=/dev/md0 bs=1M seek=80 oflag=direct status=none
nr n2 resume $TAG n1 > /dev/null 2>&1 || fail "resume n1 with the new key failed"
nr n2 wait $TAG --timeout 300 > /dev/null || fail "n1 did not sync after the rotation"
sync_and_compare n2 n1 "n2 and n1 after the rotation"

step "refusals: rotate-key of a --no-tls mirror, serve --tls without a key, a key file others may read"
OUT=$(nr n1 rotate-key plain 2>&1); RC=$?
[ $RC = 2 ] || fail "rotate-key of plain exited $RC, expected 2: $OUT"
OUT=$(nr n3 serve nokey --device /dev/ubdb --allow "$N1" --tls 2>&1) && fail "serve --tls without a key started: $OUT"
echo "$OUT" | grep -q 'has no key' || fail "serve --tls without a key: $OUT"
on n2 chmod 644 /etc/netraid/$TAG.psk
OUT=$(nr n2 probe "$N1:10809" $TAG --tls-psk /etc/netraid/$TAG.psk 2>&1) && fail "a world-readable key was used"
echo "$OUT" | grep -q 'chmod 600' || fail "a world-readable key: $OUT"
on n2 chmod 600 /etc/netraid/$TAG.psk
echo "    rotate-key plain: $(tail -n1 <<< "$(nr n1 rotate-key plain 2>&1)")"
echo "PASS $TEST_NAME"
