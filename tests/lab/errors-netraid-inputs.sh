#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad inputs to `netraid` on real kernels. Each one is refused with ONE line on
# stderr naming the problem and the fix, a non-zero exit (2 for bad arguments,
# 1 when a system had to be asked and said no), and nothing changed on either
# node: /proc/mdstat, the configs in /etc/netraid, /run/netraid, every disk's
# bytes, the nbdkit processes and the attached /dev/nbdN are as before.
#
# The stage: n1 is the source of mirror datarep (ubda, ext4 on /mnt) extended
# to n2, and of mirror other (ubdd, raw, no target yet). Disks of each node:
#   ubda 64M datarep   ubdb 8M too small   ubdc 32M free
#   ubdd 32M other     ubde 32M in md9 (an array netraid does not know)
#   ubdf 32M ext4 mounted read-only on /tmp/ro
# Stacks md must not be built on (issue 11): on n1, md9 is partitioned into
# md9p1 (12M, under the dm linear device /dev/mapper/sfover) and md9p2 (18M);
# on n2, md8 of ubde is partitioned the same way (a target's stacked disk).
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 64M,8M,32M,32M,32M,32M
netraid_lab_setup

step "stage: datarep on n1 extended to n2 and in sync, other on n1, md9 of ubde, ubdf mounted"
nr n1 create datarep --local /dev/ubda > /dev/null || fail "create datarep failed"
# No lazy init: a background inode-table zeroing would change the disk under the test.
on n1 mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/md0
on n1 mount /dev/md0 /mnt
nr n1 extend datarep --target n2 > /dev/null || fail "extend datarep failed"
nr n1 wait datarep --timeout 300 > /dev/null || fail "the initial sync of datarep did not finish"
expect_md_health n1 "[UU]"
nr n1 create other --local /dev/ubdd > /dev/null || fail "create other failed"
on n1 mdadm --create /dev/md9 --run --quiet --level=1 --raid-devices=2 --bitmap=none /dev/ubde missing
on n1 mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/ubdf
on n1 mkdir -p /tmp/ro
on n1 mount -o ro /dev/ubdf /tmp/ro
# A DOS label with two partitions (no sfdisk on the host): 12M at 1M, 18M after.
label_md() {
  on "$1" python3 -c '
import struct, sys
def part(start, sectors): return struct.pack("<B3sB3sII", 0, bytes(3), 0x83, bytes(3), start, sectors)
mbr = bytearray(512)
mbr[446:478] = part(2048, 24576) + part(26624, 36864)
mbr[510:512] = b"\x55\xaa"
with open(sys.argv[1], "r+b") as f: f.write(mbr)' "$2"
  on "$1" blockdev --rereadpt "$2"
}
label_md n1 /dev/md9
on n2 mdadm --create /dev/md8 --run --quiet --level=1 --raid-devices=2 --bitmap=none /dev/ubde missing
label_md n2 /dev/md8
# device-mapper, loaded here (lab_up's md,nbd boot faster); no udev: mknodes makes /dev/mapper/NAME.
on n1 sh -c 'grep -q "^dm_mod " /proc/modules || insmod /usr/lib/uml/modules/*/kernel/drivers/md/dm-mod.ko'
on n1 dmsetup create sfover --table "0 24576 linear /dev/md9p1 0"
on n1 dmsetup mknodes sfover

# Everything a refused command must leave alone, as text: per node its
# mdstat, config, runtime and failover flag files (inode, time and md5: even a
# rewrite with the same bytes shows), nbdkit processes, attached /dev/nbdN, mounts, and the
# md5 of each of its disks (after a sync, from the host's view of the images).
# Not the per-mirror lock files (/run/netraid/TAG.lock): every command that
# names a mirror creates one to coordinate, as /run/lock files are; nothing
# reads them as state. Few processes: a fork costs a lot in UML.
node_state() {
  local node="$1" dir="$LAB_DIR/nodes/$1"
  try_on "$node" sh -c '
    sync
    echo "== /proc/mdstat"; cat /proc/mdstat
    f=/opt/LifeKeeper/subsys/scsi/resources/netraid
    echo "== /etc/netraid /run/netraid flags"; ls -lAi --full-time /etc/netraid /run/netraid $f 2>&1 | grep -v -e "\.lock$" -e "^total "
    md5sum /etc/netraid/* /run/netraid/* $f/* 2>&1 | grep -v "\.lock$"
    echo "== nbdkit"; pgrep -a -x nbdkit
    echo "== attached nbd, mounts"; grep -H -v -x 0 /sys/block/nbd*/size; grep -E "^/dev/(md|ubd|nbd)" /proc/mounts
    true'
  echo "== disks of $node"
  md5sum "$dir"/disk*.img | sed "s|$dir/||"
}
snapshot() {
  node_state n1 > "$1.n1" & node_state n2 > "$1.n2" & wait
  cat "$1.n1" "$1.n2" > "$1"
  rm -f "$1.n1" "$1.n2"
}

# md clears its bitmap bits a few daemon passes (5 s each) after the last
# write: wait until two snapshots 6 s apart agree before judging anything.
settle() {
  local i
  snapshot "$SHARED/state.a"
  for i in $(seq 1 12); do
    sleep 6
    snapshot "$SHARED/state.b"
    cmp -s "$SHARED/state.a" "$SHARED/state.b" && return 0
    mv "$SHARED/state.b" "$SHARED/state.a"
  done
  fail "the stage did not settle within 72 s: $(diff "$SHARED/state.a" "$SHARED/state.b" | head -n 5)"
}

# refused NODE RC PROBLEM FIX -- ARGS: `netraid ARGS` on NODE exits RC with
# exactly one line on stderr that contains PROBLEM and FIX, and every node's
# state is as in $SHARED/before.
CASES=0
refused() {
  local node="$1" want="$2" problem="$3" fix="$4"; shift 5
  local rc lines line
  lab exec "$node" -- "$NETRAID" "$@" > "$SHARED/out" 2> "$SHARED/err"; rc=$?
  lines=$(wc -l < "$SHARED/err")
  line=$(head -n 1 "$SHARED/err")
  [ "$rc" = "$want" ] || fail "netraid $*: expected exit $want, got $rc; stderr: $(cat "$SHARED/err")"
  [ "$lines" = 1 ] || fail "netraid $*: expected one line on stderr, got $lines: $(cat "$SHARED/err")"
  grep -qF -- "$problem" <<< "$line" || fail "netraid $*: expected the problem '$problem' in: $line"
  grep -qF -- "$fix" <<< "$line" || fail "netraid $*: expected the fix '$fix' in: $line"
  snapshot "$SHARED/after"
  if ! cmp -s "$SHARED/before" "$SHARED/after"; then
    diff "$SHARED/before" "$SHARED/after" | head -n 20 >&2
    fail "netraid $* (exit $rc) changed the state of the nodes (diff above)"
  fi
  CASES=$((CASES + 1))
  echo "    ok ($rc) $node: netraid $* -> $line"
}

settle
mv "$SHARED/state.a" "$SHARED/before"
grep -q 'nbdkit --pidfile /run/netraid/datarep.pid' "$SHARED/before" || fail "no nbdkit serves datarep on n2: the stage is wrong"
grep -q '^/sys/block/nbd[0-9]*/size:' "$SHARED/before" || fail "no /dev/nbdN is attached on n1: the stage is wrong"

step "the verb line itself"
refused n1 2 "unknown verb 'frobnicate'" "run 'netraid --help'" -- frobnicate datarep
refused n1 2 "unknown option '--bogus'" "see 'netraid create --help'" -- create new --local /dev/ubdc --bogus
refused n1 2 "--local DEVICE is required" "the partition that holds the data" -- create new
refused n1 2 "--fstype needs --mount DIR" "--mount" -- create new --local /dev/ubdc --fstype xfs

step "create: the tag"
refused n1 2 "a mirror with tag datarep already exists" "choose another tag or delete it first" -- \
  create datarep --local /dev/ubdc
refused n1 2 "tag '../etc' must start with a letter or digit" "use only letters, digits" -- create ../etc --local /dev/ubdc
refused n1 2 "tag 'a b' contains ' '" "use only letters, digits" -- create "a b" --local /dev/ubdc

step "create: the local device"
refused n1 2 "device /dev/ubdz does not exist" "give an existing partition or disk" -- create new --local /dev/ubdz
refused n1 2 "device 'ubdc' is not an absolute path" "give e.g. /dev/sdb1" -- create new --local ubdc
refused n1 2 "device /dev/ubdf is mounted on /tmp/ro" "unmount it first" -- create new --local /dev/ubdf
refused n1 2 "device /dev/ubde is a member of the md array md9" "give a partition or disk that is in no array" -- \
  create new --local /dev/ubde
refused n1 2 "device /dev/ubda on n1 already belongs to mirror datarep" "give another device" -- \
  create new --local /dev/ubda
refused n1 2 "device /dev/ubdb has 8 MiB, at least 16 MiB are needed" "give a larger device" -- \
  create new --local /dev/ubdb

step "create: a local device stacked on md or NBD (issue 11: md would be built on md)"
# Before: exit 0, md2 built on md1, its superblock and bitmap in md1's data area.
other_md=$(sed -n 's/.*"md_device": *"\([^"]*\)".*/\1/p' "$LAB_DIR/nodes/n1/persist/etc-netraid/other.json")
[ -n "$other_md" ] || fail "no md_device in other.json: the stage is wrong"
refused n1 2 "device $other_md is the md array ${other_md#/dev/}" "give a partition or disk that is in no array" -- \
  create new --local "$other_md"
leg=$(nbd_of n1 n2)
refused n1 2 "device $leg is a member of the md array md0" "give a partition or disk that is in no array" -- \
  create new --local "$leg"
refused n1 2 "device /dev/nbd15 is an NBD device (a disk of another system)" "give a local partition or disk" -- \
  create new --local /dev/nbd15
refused n1 2 "device /dev/md9p2 is a partition of the md array md9" "give a partition or disk that is in no array" -- \
  create new --local /dev/md9p2
refused n1 2 "device /dev/mapper/sfover is a device-mapper device (dm-0) over the md array md9" \
  "give a partition or disk that is in no array" -- create new --local /dev/mapper/sfover

step "detach: a live leg (issue 11: the kernel dropped it, exit 0)"
refused n1 2 "$leg is a live leg of md0, mirror datarep (target n2)" \
  "take it out with 'netraid unextend datarep n2' or 'netraid pause datarep n2'" -- detach "$leg"

step "create: numbers and paths"
refused n1 2 "bitmap chunk 48 KiB is not a power of two" "give e.g. 64" -- create new --local /dev/ubdc --chunk 48
refused n1 2 "--chunk 'abc' is not a whole number" "from 4 to 1048576" -- create new --local /dev/ubdc --chunk abc
refused n1 2 "mount point 'data' is not an absolute path" "give e.g. /data" -- create new --local /dev/ubdc --mount data

step "extend: the mirror and the target"
refused n1 2 "no mirror nosuch on this system" "see 'netraid status'" -- extend nosuch --target n2
refused n1 1 "cannot run netraid on n9" "check that it is reachable and has netraid installed" -- extend other --target n9
refused n1 2 "n1 is this system (n1)" "a target must be another system" -- extend other --target n1
refused n1 2 "n2 is already part of mirror datarep" "nothing to do" -- extend datarep --target n2
refused n1 2 "port 10809 on n2 is already used by mirror datarep" "give another port with HOST:PORT" -- \
  extend other --target n2:10809
refused n1 1 "the target n2 refused to serve other: nbdkit: error: dev=/dev/ubdb: has 8388608 bytes but size=33554432 is needed" \
  "give a larger disk" -- extend other --target n2 --target-device /dev/ubdb
refused n1 1 "the target n2 refused to serve other: nbdkit: error: dev=/dev/ubdz: does not exist" \
  "check the path of the target disk" -- extend other --target n2 --target-device /dev/ubdz
# A target's disk stacked on md or NBD: the plugin makes the same checks as create.
refused n1 1 "the target n2 refused to serve other: nbdkit: error: dev=/dev/md8p2: is a partition of the md array md8" \
  "give a partition or disk that is in no array" -- extend other --target n2 --target-device /dev/md8p2
refused n1 1 "the target n2 refused to serve other: nbdkit: error: dev=/dev/nbd15: is an NBD device" \
  "give a local partition or disk" -- extend other --target n2 --target-device /dev/nbd15

step "extend: numbers"
refused n1 2 "--priority '0' is not a whole number from 1 to 1000" "1 to 1000" -- extend other --target n2 --priority 0
refused n1 2 "--target 'n2:99999' is not HOST or HOST:PORT" "port 1-65535" -- extend other --target n2:99999
refused n1 2 "--mode 'fast' is not sync or async" "sync or async" -- extend other --target n2 --mode fast
refused n1 2 "--mode async is not implemented yet" "use --mode sync" -- extend other --target n2 --mode async

step "extend: a mirror that already has the most targets (7)"
big="$LAB_DIR/nodes/n1/persist/etc-netraid/big.json"
{
  printf '{"tag": "big", "md_device": "/dev/md9", "bitmap_chunk_kib": 64, "systems": [\n'
  printf '  {"host": "n1", "address": "%s", "device": "/dev/ubde", "port": 10811}' "$(lab addr n1)"
  for t in 1 2 3 4 5 6 7; do
    printf ',\n  {"host": "t%d", "address": "10.201.0.%d", "device": "/dev/ubde", "port": 10809}' "$t" $((100 + t))
  done
  printf '\n]}\n'
} > "$big"
mv "$SHARED/before" "$SHARED/before.main"
snapshot "$SHARED/before"
refused n1 2 "mirror big already has 7 targets, the most it can have" "unextend one first" -- extend big --target n2
rm -f "$big"
mv "$SHARED/before.main" "$SHARED/before"
snapshot "$SHARED/after"
cmp -s "$SHARED/before" "$SHARED/after" || fail "removing big.json did not bring the stage back: $(diff "$SHARED/before" "$SHARED/after" | head -n 5)"

step "unextend and delete"
refused n1 2 "'n3' is not a target of mirror datarep" "see 'netraid status datarep'" -- unextend datarep n3
refused n1 2 "mirror datarep is mounted on /mnt" "unmount it first, or give --force" -- delete datarep
refused n1 2 "no mirror nosuch on this system" "see 'netraid status'" -- delete nosuch

[ "$CASES" -ge 39 ] || fail "only $CASES cases ran"
echo "PASS $TEST_NAME ($CASES bad inputs refused, nothing changed)"
