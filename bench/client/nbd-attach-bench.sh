#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (numbers only, no assertions): writes through /dev/nbdN on UML node
# n1 to stock nbdkit (file plugin, /dev/ubda) on node n2, attached by
# `netraid attach` with 1, 2 and 4 connections and by stock nbd-client, same run.
#   seq:   1 MiB O_DIRECT sequential write, fio psync, 1 job      (MB/s)
#   seqq:  1 MiB O_DIRECT sequential write, fio libaio iodepth 8  (MB/s)
#   dsync: 4 KiB O_DIRECT+O_DSYNC writes, fio psync, 1 job        (MB/s, IOPS)
# Usage: bench/client/nbd-attach-bench.sh [SIZE_MiB]   (NETRAID_BUILD_DIR: default build)
set -u
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
LAB="$SRC/lab/netraid-lab"
NETRAID="${NETRAID_BUILD_DIR:-$SRC/build}/cli/netraid"
export NETRAID_LAB="${NETRAID_LAB:-bench-client}"
MIB="${1:-128}"
why=$("$LAB" check) || { echo "SKIP: ${why}"; exit 77; }
trap '"$LAB" down > /dev/null 2>&1' EXIT
"$LAB" up 2 --disks 512M > /dev/null || { echo "lab up failed" >&2; exit 1; }
N2=$("$LAB" addr n2)
ex() { "$LAB" exec "$@"; }
ex n2 -- nbdkit -i "$N2" -p 10809 -P /run/nbdkit.pid file file=/dev/ubda

run_fio() {  # DEVICE NAME ARGS... -> prints "bw_MBps iops"
  local dev="$1" name="$2"; shift 2
  ex n1 -- fio --name="$name" --filename="$dev" --direct=1 --rw=write --size="${MIB}M" "$@" \
    --output-format=json 2> /dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]["write"]; print("%.1f %.0f" % (j["bw_bytes"]/1e6, j["iops"]))'
}
measure() {  # LABEL DEVICE
  local seq seqq dsync
  seq=$(run_fio "$2" seq --bs=1M --ioengine=psync)
  seqq=$(run_fio "$2" seqq --bs=1M --ioengine=libaio --iodepth=8)
  dsync=$(run_fio "$2" dsync --bs=4k --ioengine=psync --sync=dsync --size=8M)
  printf '| %-26s | %8s | %8s | %8s | %6s |\n' "$1" "${seq% *}" "${seqq% *}" "${dsync% *}" "${dsync#* }"
}
echo "target: stock nbdkit file plugin inside UML node n2; client: UML node n1; ${MIB} MiB per sequential run"
printf '| %-26s | %8s | %8s | %8s | %6s |\n' "device on n1" "seq MB/s" "qd8 MB/s" "4k dsync" "IOPS"
printf '|%s|\n' "----------------------------|----------|----------|----------|--------"
for c in 1 2 4; do
  dev=$(ex n1 -- "$NETRAID" attach "$N2" default --connections "$c" 2> /dev/null) || { echo "attach failed" >&2; exit 1; }
  measure "netraid attach, $c conn" "$dev"
  ex n1 -- "$NETRAID" detach "$dev"
done
for c in 1 4; do
  ex n1 -- nbd-client "$N2" 10809 /dev/nbd9 -N default -C "$c" -t 10 > /dev/null 2>&1 ||
    { echo "stock nbd-client failed" >&2; exit 1; }
  measure "stock nbd-client -C $c" /dev/nbd9
  ex n1 -- nbd-client -d /dev/nbd9 > /dev/null 2>&1
done
