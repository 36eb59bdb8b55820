#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Our plugin vs the stock `nbdkit file` plugin, same machine, same run, over
# loopback TCP. Prints each figure (median of ROUNDS) and the ratio ours/stock;
# asserts nothing. Backing files live under /var/tmp (not tmpfs) and are
# removed at the end.
#
#   bench/server/bench.sh [BUILD_DIR]     env: SIZE_MIB (1024), ROUNDS (3), SECS (10)
set -euo pipefail
shopt -s inherit_errexit  # a failed client inside $(...) stops the run
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
plugin=${NETRAID_PLUGIN:-$build/nbd-server/nbdkit-netraid-plugin.so}
size_mib=${SIZE_MIB:-1024}
rounds=${ROUNDS:-3}
secs=${SECS:-10}
for t in nbdkit nbdcopy fio g++ /usr/bin/python3; do
  command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 77; }
done
[[ -f $plugin ]] || { echo "bench: plugin $plugin not found: build it or set NETRAID_PLUGIN" >&2; exit 1; }
fio --enghelp 2>/dev/null | grep -qw nbd || { echo "bench: fio has no nbd engine" >&2; exit 77; }

work=$(mktemp -d /var/tmp/netraid-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

g++ -O2 -std=c++20 -o "$work/fua_writes" "$here/fua_writes.cpp" -lnbd
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "bench: writing ${size_mib} MiB of random source data"
head -c $((size_mib << 20)) /dev/urandom >"$work/src.img"
truncate -s $((size_mib << 20)) "$work/ours.img" "$work/stock.img"

declare -A uri
start() {  # start NAME nbdkit-args...
  local name=$1 port
  shift
  port=$(free_port)
  nbdkit -f -i 127.0.0.1 -p "$port" "$@" &
  pids+=($!)
  uri[$name]="nbd://127.0.0.1:$port/${EXPORT[$name]}"
  local i
  for i in $(seq 100); do nbdinfo --size "${uri[$name]}" >/dev/null 2>&1 && return; sleep 0.05; done
  echo "bench: $name server did not come up" >&2
  exit 1
}
declare -A EXPORT=([ours]=bench [stock]="")
start ours "$plugin" dev="$work/ours.img" tag=bench
start stock file file="$work/stock.img"

now() { date +%s.%N; }
mibps() { /usr/bin/python3 -c "print('%.1f' % ($size_mib / ($2 - $1)))"; }

seq_write() { local t0 t1; t0=$(now); nbdcopy --request-size=1048576 --flush "$work/src.img" "${uri[$1]}"; t1=$(now); mibps "$t0" "$t1"; }
seq_read() { local t0 t1; t0=$(now); nbdcopy --request-size=1048576 "${uri[$1]}" null:; t1=$(now); mibps "$t0" "$t1"; }
# fio's nbd engine prints "fio: connected to NBD server" before the JSON.
iops_of_json() {
  /usr/bin/python3 -c 'import json,sys; t=sys.stdin.read(); print("%.0f" % json.loads(t[t.index("{"):])["jobs"][0]["write"]["iops"])'
}
rand_flush() {  # 4 KiB random writes, a flush after each, queue depth 1
  fio --name=rf --ioengine=nbd --uri="${uri[$1]}" --rw=randwrite --bs=4k --size=$((size_mib))m \
    --iodepth=1 --fsync=1 --time_based --runtime="$secs" --output-format=json 2>/dev/null |
    iops_of_json
}
rand_qd16() {  # 4 KiB random writes, 16 in flight, a flush every 64 writes
  fio --name=rq --ioengine=nbd --uri="${uri[$1]}" --rw=randwrite --bs=4k --size=$((size_mib))m \
    --iodepth=16 --fsync=64 --time_based --runtime="$secs" --output-format=json 2>/dev/null |
    iops_of_json
}
rand_fua() { "$work/fua_writes" "${uri[$1]}" "$secs"; }

declare -A results
tests=(seq_write seq_read rand_flush rand_qd16 rand_fua)
for ((r = 1; r <= rounds; r++)); do
  # Alternate who goes first so page-cache and disk state favour neither.
  if ((r % 2)); then order=(ours stock); else order=(stock ours); fi
  for t in "${tests[@]}"; do
    for who in "${order[@]}"; do
      sync  # the previous run's dirty pages must not be written back during this one
      v=$($t "$who")
      results[$t.$who]+="$v "
      echo "round $r  $t  $who  $v"
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
printf '%-12s %-34s %12s %12s %8s\n' test what ours stock ratio
declare -A what=(
  [seq_write]="1 MiB seq write ${size_mib} MiB, MiB/s"
  [seq_read]="1 MiB seq read ${size_mib} MiB, MiB/s"
  [rand_flush]="4 KiB rand write+flush qd1, IOPS"
  [rand_qd16]="4 KiB rand write qd16 fsync=64, IOPS"
  [rand_fua]="4 KiB rand write FUA qd1, IOPS")
for t in "${tests[@]}"; do
  o=$(median "${results[$t.ours]}")
  s=$(median "${results[$t.stock]}")
  printf '%-12s %-34s %12s %12s %8s\n' "$t" "${what[$t]}" "$o" "$s" \
    "$(/usr/bin/python3 -c "print('%.2f' % ($o / $s))")"
done
echo "(median of $rounds rounds; ratio = ours / stock nbdkit file)"
