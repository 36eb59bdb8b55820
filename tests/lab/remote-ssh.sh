#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The product's default remote execution, ssh, for real: no remote_exec in
# netraid.json, so n1's netraid runs `ssh -o BatchMode=yes ... n2 -- 'word' ...`
# into an sshd on n2, through root's login shell there. The other lab tests use
# the lab's exec channel because ssh into UML costs 10-40 s a command.
#   - with sshd down, extend fails with one line and leaves the mirror as it was;
#   - extend over ssh: n2 answers node-info, imports the config (JSON with
#     quotes and spaces, one argument through the remote shell), serves the leg;
#   - the initial sync and later writes land byte-identical on both legs;
#   - unextend over ssh stops n2's server and removes its config.
. "$(dirname "$0")/lib.sh"

command -v sshd > /dev/null || [ -x /usr/sbin/sshd ] || skip "no sshd: install openssh-server (tools/setup does)"
command -v ssh-keygen > /dev/null || skip "no ssh-keygen: install openssh-client (tools/setup does)"

lab_up 2 --disks 256M
netraid_lab_setup
N2=$(lab addr n2)

step "keys made on the host; sshd on n2; root's ssh config on n1 (a tmpfs over /root: n1's / is the host's)"
KEYS="$SHARED/ssh"
mkdir -p "$KEYS"
ssh-keygen -q -t ed25519 -N '' -C n1-root -f "$KEYS/n1_root" || fail "ssh-keygen of n1's key failed"
ssh-keygen -q -t ed25519 -N '' -C n2-host -f "$KEYS/n2_host" || fail "ssh-keygen of n2's host key failed"
cat > "$KEYS/sshd_config" <<EOF
ListenAddress $N2
HostKey $KEYS/n2_host
AuthorizedKeysFile $KEYS/n1_root.pub
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
UseDNS no
PidFile /run/sshd.pid
EOF
on n1 sh -c 'mount -t tmpfs -o mode=700 tmpfs /root && mkdir -m 700 /root/.ssh &&
  printf "Host n2\n  HostName %s\n  IdentityFile %s/n1_root\n" "$1" "$2" > /root/.ssh/config &&
  echo "n2,$1 $(cat "$2/n2_host.pub")" > /root/.ssh/known_hosts' sh "$N2" "$KEYS"
# Only remote_netraid: remote_exec is left to its default, ssh.
for node in n1 n2; do
  echo "{\"remote_netraid\": \"$NETRAID\"}" > "$LAB_DIR/nodes/$node/persist/etc-netraid/netraid.json"
done

step "n1: create datarep; extend while n2's sshd is not running fails in one line and changes nothing"
nr n1 create datarep --local /dev/ubda > /dev/null || fail "create failed"
nr n1 extend datarep --target n2 > /dev/null 2> "$SHARED/err" && fail "extend succeeded without an sshd on n2"
[ "$(grep -c . "$SHARED/err")" = 1 ] || fail "expected one line of error, got: $(cat "$SHARED/err")"
grep -q "n2" "$SHARED/err" || fail "the error does not name n2: $(cat "$SHARED/err")"
echo "    $(cat "$SHARED/err")"
expect_md_health n1 "[U_]"
try_on n1 cat /sys/block/nbd0/size | grep -qx 0 || fail "an NBD device was left attached after the failed extend"
grep -q '"n2"' "$LAB_DIR/nodes/n1/persist/etc-netraid/datarep.json" && fail "the failed extend left n2 in n1's config"

step "sshd on n2; one ssh command from n1 to n2, timed"
on n2 sh -c 'mkdir -p /run/sshd && /usr/sbin/sshd -f "$1" -E /tmp/sshd.log' sh "$KEYS/sshd_config"
T0=$SECONDS
on n1 ssh -o BatchMode=yes -o ConnectTimeout=10 n2 -- true
echo "    one ssh command from n1 to n2: $((SECONDS - T0)) s"

step "n1: extend datarep --target n2 over ssh; the full initial sync"
T0=$SECONDS
nr n1 extend datarep --target n2 > /dev/null || fail "extend over ssh failed"
echo "    extend over ssh (node-info, config-import, serve): $((SECONDS - T0)) s"
cmp -s "$LAB_DIR/nodes/n1/persist/etc-netraid/datarep.json" "$LAB_DIR/nodes/n2/persist/etc-netraid/datarep.json" ||
  fail "n2's config differs from n1's: the JSON did not cross the remote shell intact"
try_on n2 pgrep -x nbdkit > /dev/null || fail "no nbdkit on n2 after extend"
nr n1 wait datarep --timeout 300 > /dev/null || fail "the initial sync did not finish"
expect_md_health n1 "[UU]"

step "n1: 32 MiB through the mirror; legs byte-identical"
make_pattern "$SHARED/pattern" 32
on n1 dd if="$SHARED/pattern" of=/dev/md0 bs=1M oflag=direct status=none
sync_and_compare n1 n2 "after extend over ssh and 32 MiB"

step "n1: unextend datarep n2 over ssh"
T0=$SECONDS
nr n1 unextend datarep n2 > /dev/null || fail "unextend over ssh failed"
echo "    unextend over ssh: $((SECONDS - T0)) s"
expect_md_health n1 "[U_]"
try_on n2 pgrep -x nbdkit > /dev/null && fail "nbdkit still runs on n2 after unextend"
try_on n2 test -f /etc/netraid/datarep.json && fail "n2 still has the mirror's config after unextend"
echo "PASS $TEST_NAME"
