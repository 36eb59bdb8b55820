#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What TLS on the replication link costs: two mirrors n1 -> n2 in one lab, one
# with TLS (the default: GnuTLS handshake, kernel TLS records) and one created
# with --no-tls, on identical 256 MiB disks, measured in turns (TLS, plain,
# TLS, plain, ...) so a slow moment of the machine hits both alike.
# Figures per repetition: initial sync time (extend to in sync), 1 MiB
# O_DIRECT sequential write, 4 KiB random write with O_DSYNC at queue depth 1
# (IOPS, p50, p99) and 4 KiB random write at queue depth 16 (libaio, no sync).
# Prints medians and the TLS/plain ratio, and writes JSON to $OUT (default
# ./tls-bench.json). A benchmark: it prints measurements, it asserts nothing.
#   bench/tls/tls-bench.sh [REPETITIONS]        (default 3; ~1 min each)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
export NETRAID_LAB=bench-tls
. "$HERE/../../tests/lab/lib.sh"
REPS="${1:-3}"
OUT="${OUT:-$PWD/tls-bench.json}"
[[ "$REPS" =~ ^[1-9][0-9]?$ ]] || { echo "usage: $0 [REPETITIONS 1-99]" >&2; exit 2; }
command -v python3 > /dev/null || { echo "tls-bench: python3 is needed to read fio's JSON" >&2; exit 2; }

lab_up 2 --disks 256M,256M > /dev/null
netraid_lab_setup
RESULTS="$SHARED/results"
: > "$RESULTS"
# record MIRROR FIGURE VALUE
record() { echo "$1 $2 $3" >> "$RESULTS"; }

nr n1 create sec --local /dev/ubda > /dev/null || fail "create sec failed"
nr n1 create plain --local /dev/ubdb --no-tls > /dev/null 2>&1 || fail "create plain failed"
for m in sec plain; do
  dev=/dev/ubda; [ $m = plain ] && dev=/dev/ubdb
  t0=$(date +%s%N)
  nr n1 extend $m --target n2 --target-device $dev > /dev/null || fail "extend $m failed"
  nr n1 wait $m --timeout 600 > /dev/null || fail "$m did not sync"
  record $m initial_sync_s "$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')"
done
md_of() { try_on n1 cat /etc/netraid/$1.json | sed -n 's/.*"md_device": *"\([^"]*\)".*/\1/p'; }
MD_sec=$(md_of sec)
MD_plain=$(md_of plain)

# fio_json MD NAME ARGS...: one fio run inside n1, its JSON in $SHARED/NAME.json.
fio_json() {
  local md="$1" name="$2"; shift 2
  on n1 fio --name="$name" --filename="$md" --direct=1 --runtime=8 --time_based --output-format=json \
    --output="$SHARED/$name.json" "$@" > /dev/null
}
# fio_field FILE EXPR: a number from fio's JSON (EXPR in Python over job j).
fio_field() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; print(eval(sys.argv[2]))' "$1" "$2"
}

for rep in $(seq "$REPS"); do
  for m in sec plain; do
    md=MD_$m; md=${!md}
    fio_json "$md" seq --rw=write --bs=1M --ioengine=psync --size=200M
    record $m seq_write_mib_s "$(fio_field "$SHARED/seq.json" 'round(j["write"]["bw"]/1024, 1)')"
    # md clears bitmap bits seconds after writes stop: start each random run
    # from a settled bitmap, or the first seconds are flattered or taxed.
    sleep 6
    fio_json "$md" qd1 --rw=randwrite --bs=4k --ioengine=psync --sync=1 --size=200M
    record $m qd1_iops "$(fio_field "$SHARED/qd1.json" 'round(j["write"]["iops"])')"
    record $m qd1_p50_ms "$(fio_field "$SHARED/qd1.json" 'round(j["write"]["clat_ns"]["percentile"]["50.000000"]/1e6, 2)')"
    record $m qd1_p99_ms "$(fio_field "$SHARED/qd1.json" 'round(j["write"]["clat_ns"]["percentile"]["99.000000"]/1e6, 2)')"
    sleep 6
    fio_json "$md" qd16 --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --size=200M
    record $m qd16_iops "$(fio_field "$SHARED/qd16.json" 'round(j["write"]["iops"])')"
  done
  echo "repetition $rep of $REPS done" >&2
done

python3 - "$RESULTS" "$OUT" "$REPS" <<'PY'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
figs = {}
for m, f, v in rows:
    figs.setdefault(f, {}).setdefault(m, []).append(float(v))
order = ["initial_sync_s", "seq_write_mib_s", "qd1_iops", "qd1_p50_ms", "qd1_p99_ms", "qd16_iops"]
out = {"repetitions": int(sys.argv[3]), "figures": {}}
print(f"{'figure':<18}{'TLS median':>12}{'plain median':>14}{'TLS/plain':>11}   TLS runs | plain runs")
for f in order:
    if f not in figs: continue
    s, p = figs[f].get("sec", []), figs[f].get("plain", [])
    ms, mp = statistics.median(s), statistics.median(p)
    ratio = ms / mp if mp else float("nan")
    out["figures"][f] = {"tls": s, "plain": p, "tls_median": ms, "plain_median": mp, "ratio": round(ratio, 3)}
    print(f"{f:<18}{ms:>12g}{mp:>14g}{ratio:>11.2f}   {' '.join(map(str, s))} | {' '.join(map(str, p))}")
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(f"(JSON: {sys.argv[2]}; higher is better except *_ms and initial_sync_s)")
PY
