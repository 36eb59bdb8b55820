#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bitmap chunk size: what a partial resync copies vs what the bitmap costs the
# writer. For each chunk size: a 2-node mirror (netraid create/extend), then
# the target is paused, 200 scattered 4 KiB writes land on the source, and
# resume resyncs them. Prints, per chunk: dirty chunks, bytes resynced, resync
# time, and 4 KiB O_DIRECT+dsync write IOPS on the mirror while in sync.
# A benchmark: it prints measurements, it asserts nothing.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
export NETRAID_LAB=bench-chunk
. "$HERE/../../tests/lab/lib.sh"
trap - EXIT
SIZES="${CHUNK_SIZES:-16 64 256 1024 4096}"  # mdadm refuses 4 KiB on a 256 MiB disk

printf '%-10s %8s %14s %12s %10s\n' "chunk KiB" "dirty" "resynced MiB" "resync ms" "4K IOPS"
for chunk in $SIZES; do
  lab_up 2 --disks 256M > /dev/null
  netraid_lab_setup
  nr n1 create b --local /dev/ubda --chunk "$chunk" > /dev/null
  nr n1 extend b --target n2 > /dev/null
  nr n1 wait b --timeout 300 > /dev/null
  sleep 6
  IOPS=$(on n1 fio --name=w --filename=/dev/md0 --rw=randwrite --bs=4k --direct=1 --sync=1 --size=64M \
    --runtime=5 --time_based --ioengine=psync --output-format=terse 2> /dev/null | cut -d';' -f49)
  # md clears bits a few daemon cycles (5 s) after the writes: wait, so the
  # resync below copies the 200 writes' chunks, not fio's.
  sleep 20
  nr n1 pause b > /dev/null
  on n1 sh -c 'for i in $(seq 1 200); do dd if=/dev/urandom of=/dev/md0 bs=4k count=1 seek=$(( (i * 7919) % 65000 )) oflag=direct status=none; done'
  DIRTY=$(try_on n1 mdadm --examine-bitmap /dev/ubda | sed -n 's/.* \([0-9]*\) dirty.*/\1/p')
  NBD=$(try_on n1 cat /run/netraid/b.legs.json | sed -n 's/.*"\/dev\/\(nbd[0-9]*\)".*/\1/p')
  BEFORE=$(bytes_written n1 "$NBD")
  T0=$(date +%s%N)
  nr n1 resume b > /dev/null
  nr n1 wait b --timeout 300 > /dev/null
  MS=$((($(date +%s%N) - T0) / 1000000))
  MIB=$(awk -v b="$(( $(bytes_written n1 "$NBD") - BEFORE ))" 'BEGIN { printf "%.2f", b / 1048576 }')
  printf '%-10s %8s %14s %12s %10s\n' "$chunk" "$DIRTY" "$MIB" "$MS" "$IOPS"
  lab down > /dev/null 2>&1
done
echo "(resync ms includes netraid resume/wait and the lab's exec latency of ~0.3 s per command)"
