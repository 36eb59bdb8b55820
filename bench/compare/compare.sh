#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13's comparison: one lab, identical zero-filled disks, every system
# under test measured in turns within each repetition (the order rotates from
# one repetition to the next), medians and spread over the repetitions, ratios
# to DRBD and to the local disk taken within each repetition.
#
#   bench/compare/compare.sh [--reps N] [--quick] [--out DIR] [--seed N]
#
# Systems (all on node n1, the target on n2; disk ubdX of 256 MiB each):
#   local    n1's disk alone (the limit)                                    ubda
#   tls      netraid as shipped (TLS, kernel TLS records)                   ubdb
#   plain    netraid create --no-tls                                        ubdc
#   before   the same, driven by the netraid of another build (NETRAID_BEFORE_BUILD_DIR,
#            e.g. the previous release): before/after of a change in one run  ubdk
#   bmfile   EXPERIMENT, not shipped: a --no-tls netraid mirror whose md bitmap
#            was moved by hand (mdadm --grow) to a file on n1's second disk ubdd
#   drbdC    DRBD 8.4 (lab kernel module, drbd-utils 9 userland), protocol C  ubde
#   drbdA    the same, protocol A                                           ubdf
#   stock    md RAID1 + nbd-client + `nbdkit file` (fuamode=force), internal bitmap ubdg
#   stock4   the same with four NBD connections (nbd-client -C 4)              ubdj
#   rawnode  the bare NBD leg: nbd-client -> nbdkit file inside n2           ubda of n2
#   rawhost  the bare NBD leg: nbd-client -> nbdkit file on the host (lab namespace)
# Figures: 1 MiB O_DIRECT sequential write and read; 4 KiB random write
# O_DIRECT+O_DSYNC at QD1 (IOPS, p50, p99) and without sync at QD16 (libaio);
# 4 KiB random read QD1; initial sync (once, at setup); partial resync after
# 1 % and 10 % of the disk was written (scattered 4 KiB) while the target was
# away (time, bytes written to the target's disk); write throughput with 1, 2,
# 4 and 7 targets (netraid as shipped, n1 -> n2..n8, disk ubdh).
# --quick: 1 repetition, 128 MiB disks, 3 s runs, fewer systems, 1 % resync,
# 1 and 2 targets (a few minutes; what CI could run). Not a test: it asserts
# nothing and is not in ctest.
# Output: a table on stdout; $OUT/compare-STAMP.json, $OUT/compare-STAMP.png,
# $OUT/compare-STAMP.md (the table for docs/PERFORMANCE.md) and "latest" links.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
export NETRAID_LAB="${NETRAID_LAB:-bench-compare}"
REPS=3 QUICK=0 OUT="$HERE/results" SEED=1313
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS="${2:-}"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --out) OUT="${2:-}"; shift 2 ;;
    --seed) SEED="${2:-}"; shift 2 ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--reps N] [--quick] [--out DIR] [--seed N]" >&2; exit 2 ;;
  esac
done
BEFORE_BUILD="${NETRAID_BEFORE_BUILD_DIR:-}"
[[ "$REPS" =~ ^[1-9][0-9]?$ ]] || { echo "compare: --reps takes 1-99" >&2; exit 2; }
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "compare: --seed takes a number" >&2; exit 2; }
. "$HERE/../../tests/lab/lib.sh"
for t in python3 gnuplot fio drbdadm; do
  command -v $t > /dev/null || { echo "compare: $t is missing: run tools/setup" >&2; exit 2; }
done

if [ $QUICK = 1 ]; then
  REPS=1 DISK_MIB=128 RUNTIME=3 PCTS="1" TARGET_STEPS="1 2" NODES=3
  SYSTEMS="local tls plain bmfile drbdC stock stock4"
else
  DISK_MIB=256 RUNTIME=${RUNTIME:-6} PCTS="1 10" TARGET_STEPS="1 2 4 7" NODES=8
  SYSTEMS="local tls plain bmfile drbdC drbdA stock stock4 rawnode rawhost"
fi
[ -n "$BEFORE_BUILD" ] && SYSTEMS="${SYSTEMS/plain/before plain}"
SYSTEMS="${COMPARE_SYSTEMS:-$SYSTEMS}"   # a subset, e.g. while debugging one system
if [[ " $SYSTEMS " == *" before "* ]]; then
  [ -x "$BEFORE_BUILD/cli/netraid" ] || { echo "compare: system 'before' needs NETRAID_BEFORE_BUILD_DIR=BUILD with cli/netraid" >&2; exit 2; }
fi
SETTLE=12        # md's daemon_sleep is 5 s; bits clear within two passes
CHUNK_KIB=64     # netraid's default; the stock mirror gets the same
D=${DISK_MIB}M
T0_ALL=$SECONDS
log() { printf '[%4ds] %s\n' $((SECONDS - T0_ALL)) "$*" >&2; }

HOSTNBD_PID=""
cleanup() {
  # nbdkit waits for its client on SIGTERM, and the client's node is about to go.
  [ -n "$HOSTNBD_PID" ] && kill -9 "$HOSTNBD_PID" 2> /dev/null
  lab_teardown
}
lab_up $NODES --disks "$D,$D,$D,$D,$D,$D,$D,$D,64M,$D,$D" --modules md,nbd,drbd
trap cleanup EXIT
[[ " $SYSTEMS " =~ \ (tls|plain|bmfile|before)\  ]] && netraid_lab_setup
RESULTS="$SHARED/results"
: > "$RESULTS"
# record REP SYSTEM FIGURE VALUE
record() { echo "$1 $2 $3 $4" >> "$RESULTS"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
A1=$(lab addr n1) A2=$(lab addr n2)
declare -A DEV NBDLEG MD LASTW NORESYNC
# The netraid that drives each netraid system on n1 (the targets run this build's).
declare -A NRBIN=([tls]="$NETRAID" [plain]="$NETRAID" [bmfile]="$NETRAID" [before]="$BEFORE_BUILD/cli/netraid")
nrs() { local sys=$1; shift; lab exec n1 -- "${NRBIN[$sys]}" "$@"; }

# --- setup: each system once, its initial sync timed in the node ------------
# netraid: extend + wait, from the command to in sync.
netraid_mirror() {  # SYS DISK [--no-tls]
  local sys=$1 disk=$2; shift 2
  nrs $sys create $sys --local $disk "$@" > /dev/null || fail "netraid create $sys failed"
  local ms
  ms=$(on n1 sh -c 't0=$(date +%s%N); "$1" extend "$2" --target n2 --target-device "$3" > /dev/null &&
    "$1" wait "$2" --timeout 900 > /dev/null && echo $((($(date +%s%N) - t0) / 1000000))' sh "${NRBIN[$sys]}" $sys $disk) ||
    fail "netraid extend/wait $sys failed"
  record 1 $sys initial_sync_s "$(awk -v m=$ms 'BEGIN { printf "%.2f", m / 1000 }')"
  DEV[$sys]=$(try_on n1 cat /etc/netraid/$sys.json | sed -n 's/.*"md_device": *"\([^"]*\)".*/\1/p')
  NBDLEG[$sys]=$(try_on n1 cat /run/netraid/$sys.legs.json | tr ',{}' '\n\n\n' | sed -n 's/.*"\(\/dev\/nbd[0-9]*\)".*/\1/p' | head -n1)
  MD[$sys]=${DEV[$sys]#/dev/}
  log "$sys: ${DEV[$sys]} over ${NBDLEG[$sys]}, initial sync ${ms} ms"
}
has() { [[ " $SYSTEMS " == *" $1 "* ]]; }

DEV[local]=/dev/ubda
has tls && netraid_mirror tls /dev/ubdb
has plain && netraid_mirror plain /dev/ubdc --no-tls
has before && netraid_mirror before /dev/ubdk --no-tls
if has bmfile; then
  # EXPERIMENT: the same mirror as 'plain', then md's bitmap moved to a file
  # on n1's own disk ubdi (ext4), chunk unchanged. Not what netraid ships.
  netraid_mirror bmfile /dev/ubdd --no-tls
  on n1 sh -c 'mkfs.ext4 -q -F /dev/ubdi && mkdir -p /run/bm && mount /dev/ubdi /run/bm &&
    mdadm --grow "$1" --bitmap=none && mdadm --grow "$1" --bitmap=/run/bm/bitmap --bitmap-chunk="$2"K' \
    sh "${DEV[bmfile]}" $CHUNK_KIB > /dev/null
  on n1 cat /sys/block/${MD[bmfile]}/md/bitmap/location | sed 's/^/    bmfile bitmap location: /' >&2
fi

# DRBD 8.4: one resource per protocol, the config in the lab's shared dir
# (drbdadm -c), /var/lib/drbd private per node (tmpfs).
DRBDCONF="$SHARED/drbd.conf"
{
  echo "global { usage-count no; }"
  echo "common { disk { c-plan-ahead 0; resync-rate 200M; } }  # fixed 200 MiB/s = md's default sync_speed_max"
  m=0
  for p in C A; do
    echo "resource drbd$p { protocol $p; device /dev/drbd$m; meta-disk internal;"
    dsk=/dev/ubde; [ $p = A ] && dsk=/dev/ubdf
    echo "  on n1 { disk $dsk; address $A1:$((7789 + m)); }"
    echo "  on n2 { disk $dsk; address $A2:$((7789 + m)); } }"
    m=$((m + 1))
  done
} > "$DRBDCONF"
m=0
for p in C A; do
  sys=drbd$p
  if has $sys; then
    for n in n1 n2; do
      on $n sh -c 'mountpoint -q /var/lib/drbd || mount -t tmpfs tmpfs /var/lib/drbd;
        drbdadm -c "$1" create-md --force "$2" && drbdadm -c "$1" up "$2"' sh "$DRBDCONF" $sys > /dev/null 2>&1 ||
        fail "drbd $sys on $n failed"
    done
    ms=$(on n1 sh -c 't0=$(date +%s%N); drbdadm -c "$1" primary --force "$2" || exit 1
      until grep -q "^ *$3: cs:Connected .*ds:UpToDate/UpToDate" /proc/drbd; do sleep 0.05; done
      echo $((($(date +%s%N) - t0) / 1000000))' sh "$DRBDCONF" $sys $m) || fail "drbd $sys primary failed"
    record 1 $sys initial_sync_s "$(awk -v m=$ms 'BEGIN { printf "%.2f", m / 1000 }')"
    DEV[$sys]=/dev/drbd$m
    log "$sys: /dev/drbd$m, initial sync ${ms} ms"
  fi
  m=$((m + 1))
done

# Stock parts: nbdkit file (every write FUA) in n2, nbd-client and mdadm in n1.
nbdkit_in() {  # NODE PORT EXPORT FILE PIDFILE
  on "$1" nbdkit -i "$(lab addr "$1")" -p "$2" -P "$5" -e "$3" --filter=fua file file="$4" fuamode=force
}
stock_mirror() {  # SYS DISK PORT NBD MD CONNECTIONS
  local sys=$1 disk=$2 port=$3 nbd=$4 md=$5 conns=$6 ms
  nbdkit_in n2 $port $sys /dev/$disk /run/nbdkit-$sys.pid
  on n1 nbd-client "$A2" $port /dev/$nbd -N $sys -b 4096 -t 5 -C $conns > /dev/null
  ms=$(on n1 sh -c 't0=$(date +%s%N); yes | mdadm --create /dev/$3 --run --level=1 --raid-devices=2 --bitmap=internal \
      --bitmap-chunk="$1"K /dev/$2 --write-mostly /dev/$4 > /dev/null 2>&1 || exit 1
    sleep 0.5; until [ "$(cat /sys/block/$3/md/sync_action)" = idle ] && [ "$(cat /sys/block/$3/md/degraded)" = 0 ]; do sleep 0.05; done
    echo $((($(date +%s%N) - t0) / 1000000))' sh $CHUNK_KIB $disk $md $nbd) || fail "$sys mdadm --create failed"
  record 1 $sys initial_sync_s "$(awk -v m=$ms 'BEGIN { printf "%.2f", m / 1000 }')"
  DEV[$sys]=/dev/$md NBDLEG[$sys]=/dev/$nbd MD[$sys]=$md
  log "$sys: /dev/$md over /dev/$nbd ($conns connection(s)), initial sync ${ms} ms"
}
has stock && stock_mirror stock ubdg 10903 nbd15 md100 1
has stock4 && stock_mirror stock4 ubdj 10904 nbd12 md101 4
if has rawnode; then
  nbdkit_in n2 10902 raw /dev/ubda /run/nbdkit-raw.pid
  on n1 nbd-client "$A2" 10902 /dev/nbd14 -N raw -b 4096 -t 5 > /dev/null
  DEV[rawnode]=/dev/nbd14 NBDLEG[rawnode]=/dev/nbd14
fi
if has rawhost; then
  truncate -s $D "$SHARED/hostdisk.img"
  lab host -- nbdkit -i 10.201.0.254 -p 10901 -P "$SHARED/hostnbd.pid" -e raw --filter=fua \
    file file="$SHARED/hostdisk.img" fuamode=force || fail "nbdkit on the host failed"
  HOSTNBD_PID=$(cat "$SHARED/hostnbd.pid")
  on n1 nbd-client 10.201.0.254 10901 /dev/nbd13 -N raw -b 4096 -t 5 > /dev/null
  DEV[rawhost]=/dev/nbd13 NBDLEG[rawhost]=/dev/nbd13
fi

# --- fio ---------------------------------------------------------------------
fio_run() {  # SYS NAME ARGS...: one fio run in n1, JSON in $SHARED/NAME.json
  local sys=$1 name=$2; shift 2
  on n1 fio --name="$name" --filename="${DEV[$sys]}" --direct=1 --runtime=$RUNTIME --time_based \
    --randseed=$SEED --output-format=json --output="$SHARED/$name.json" "$@" > /dev/null
}
fio_field() {  # FILE EXPR (Python over job j)
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; print(eval(sys.argv[2]))' "$1" "$2"
}
# settle SYS: md clears bitmap bits seconds after writes stop; a random run
# starts from a settled bitmap (a fresh or recently written one flatters or
# taxes the first seconds).
settle() {
  local last=${LASTW[$1]:-0} now
  now=$(date +%s)
  [ $((now - last)) -lt $SETTLE ] && sleep $((SETTLE - (now - last)))
  return 0
}
wrote() { LASTW[$1]=$(date +%s); }
nbd_stat() { try_on n1 cat /sys/block/${1#/dev/}/stat | awk '{print $5, $16}'; }  # writes, flushes

measure() {  # REP FIGURE SYS
  local rep=$1 fig=$2 sys=$3 f="$SHARED/$3.$2.json" b a
  case $fig in
    seqwrite)
      fio_run $sys "$sys.$fig" --rw=write --bs=1M --ioengine=psync
      wrote $sys
      record $rep $sys seq_write_mb_s "$(fio_field "$f" 'round(j["write"]["bw_bytes"]/1e6, 1)')" ;;
    seqread)
      fio_run $sys "$sys.$fig" --rw=read --bs=1M --ioengine=psync
      record $rep $sys seq_read_mb_s "$(fio_field "$f" 'round(j["read"]["bw_bytes"]/1e6, 1)')" ;;
    qd1)
      settle $sys
      [ -n "${NBDLEG[$sys]:-}" ] && b=$(nbd_stat "${NBDLEG[$sys]}")
      fio_run $sys "$sys.$fig" --rw=randwrite --bs=4k --ioengine=psync --sync=dsync
      wrote $sys
      record $rep $sys qd1_iops "$(fio_field "$f" 'round(j["write"]["iops"])')"
      record $rep $sys qd1_p50_ms "$(fio_field "$f" 'round(j["write"]["clat_ns"]["percentile"]["50.000000"]/1e6, 3)')"
      record $rep $sys qd1_p99_ms "$(fio_field "$f" 'round(j["write"]["clat_ns"]["percentile"]["99.000000"]/1e6, 3)')"
      if [ -n "${NBDLEG[$sys]:-}" ]; then
        a=$(nbd_stat "${NBDLEG[$sys]}")
        local ios
        ios=$(fio_field "$f" 'j["write"]["total_ios"]')
        record $rep $sys qd1_nbd_writes_per_io "$(awk -v b="$b" -v a="$a" -v n=$ios 'BEGIN { split(b, x); split(a, y); printf "%.2f", (y[1] - x[1]) / n }')"
        record $rep $sys qd1_nbd_flushes_per_io "$(awk -v b="$b" -v a="$a" -v n=$ios 'BEGIN { split(b, x); split(a, y); printf "%.2f", (y[2] - x[2]) / n }')"
      fi ;;
    qd16)
      settle $sys
      fio_run $sys "$sys.$fig" --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16
      wrote $sys
      record $rep $sys qd16_iops "$(fio_field "$f" 'round(j["write"]["iops"])')" ;;
    randread)
      fio_run $sys "$sys.$fig" --rw=randread --bs=4k --ioengine=psync
      record $rep $sys randread_iops "$(fio_field "$f" 'round(j["read"]["iops"])')"
      record $rep $sys randread_p50_ms "$(fio_field "$f" 'round(j["read"]["clat_ns"]["percentile"]["50.000000"]/1e6, 3)')" ;;
  esac
}

# --- partial resync: target away, PCT % of the disk written (scattered 4 KiB,
# seeded), target back; time in the node from the command that brings it back
# to in sync, bytes = what the target's disk took meanwhile. ------------------
declare -A TDISK=([tls]=ubdb [plain]=ubdc [bmfile]=ubdd [drbdC]=ubde [drbdA]=ubdf [stock]=ubdg [stock4]=ubdj [before]=ubdk)
target_sectors() { try_on n2 cat /sys/block/$1/stat | awk '{print $7}'; }
partial() {  # REP SYS PCT
  local rep=$1 sys=$2 pct=$3 bytes io ms before
  bytes=$((DISK_MIB * 1048576))
  io=$((bytes * pct / 100 / 4096 * 4096))
  settle $sys
  case $sys in
    tls | plain | before) nrs $sys pause $sys > /dev/null || { log "WARNING: pause $sys failed"; NORESYNC[$sys]=1; return 0; } ;;
    bmfile | stock | stock4)
      on n1 sh -c 'mdadm "$1" --fail "$2" > /dev/null 2>&1 || exit 1
        for i in $(seq 50); do mdadm "$1" --remove "$2" > /dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1' \
        sh "${DEV[$sys]}" "${NBDLEG[$sys]}" ;;
    drbd*) on n1 drbdadm -c "$DRBDCONF" disconnect $sys ;;
  esac
  # --size: the array's own size (md and DRBD keep metadata at the end or start).
  on n1 fio --name=dirty --filename="${DEV[$sys]}" --direct=1 --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 \
    --io_size=$io --size=$(( $(try_on n1 blockdev --getsize64 "${DEV[$sys]}") / 4096 * 4096 )) \
    --randseed=$((SEED + rep)) --output=/dev/null > /dev/null
  before=$(target_sectors ${TDISK[$sys]})
  case $sys in
    tls | plain | before)
      ms=$(try_on n1 sh -c 't0=$(date +%s%N); "$1" resume "$2" > /dev/null && "$1" wait "$2" --timeout 900 > /dev/null &&
        echo $((($(date +%s%N) - t0) / 1000000))' sh "${NRBIN[$sys]}" $sys) ;;
    bmfile | stock | stock4)
      ms=$(try_on n1 sh -c 't0=$(date +%s%N); mdadm "$1" --re-add "$2" > /dev/null 2>&1 || exit 1; sleep 0.05
        i=0; until [ "$(cat /sys/block/$3/md/sync_action)" = idle ] && [ "$(cat /sys/block/$3/md/degraded)" = 0 ]; do i=$((i + 1)); [ $i -gt 12000 ] && exit 1; sleep 0.05; done
        echo $((($(date +%s%N) - t0) / 1000000))' sh "${DEV[$sys]}" "${NBDLEG[$sys]}" "${MD[$sys]}") ;;
    drbd*)
      ms=$(try_on n1 sh -c 't0=$(date +%s%N); drbdadm -c "$1" connect "$2" || exit 1
        i=0; until grep -q "^ *$3: cs:Connected .*ds:UpToDate/UpToDate" /proc/drbd; do i=$((i + 1)); [ $i -gt 12000 ] && exit 1; sleep 0.05; done
        echo $((($(date +%s%N) - t0) / 1000000))' sh "$DRBDCONF" $sys "${DEV[$sys]#/dev/drbd}") ;;
  esac
  if ! [[ "$ms" =~ ^[0-9]+$ ]]; then
    # Left degraded or disconnected: no more resync figures of this system.
    log "WARNING: partial resync of $sys did not finish; its later resync figures are skipped"
    NORESYNC[$sys]=1
    return 0
  fi
  wrote $sys
  record $rep $sys resync${pct}_s "$(awk -v m=$ms 'BEGIN { printf "%.2f", m / 1000 }')"
  record $rep $sys resync${pct}_mib "$(awk -v s=$(($(target_sectors ${TDISK[$sys]}) - before)) 'BEGIN { printf "%.1f", s * 512 / 1048576 }')"
}

# --- the repetitions: per figure, every system in turn; the order rotates ----
read -r -a SYS_ARR <<< "$SYSTEMS"
NSYS=${#SYS_ARR[@]}
for rep in $(seq 1 "$REPS"); do
  order=()
  for i in $(seq 0 $((NSYS - 1))); do order+=("${SYS_ARR[$(((i + rep - 1) % NSYS))]}"); done
  log "repetition $rep of $REPS: ${order[*]}"
  for fig in seqwrite seqread qd1 qd16 randread; do
    for sys in "${order[@]}"; do measure $rep $fig $sys; done
    log "  $fig done"
  done
  for pct in $PCTS; do
    for sys in "${order[@]}"; do [ -n "${TDISK[$sys]:-}" ] && [ -z "${NORESYNC[$sys]:-}" ] && partial $rep $sys $pct; done
    log "  partial resync $pct % done"
  done
done

# --- targets: netraid as shipped, n1 -> n2.. on ubdh, seq write and QD1 ------
fan_steps() {  # a failure ends this part only: the figures so far are kept
  local have=0 want rep
  nr n1 create fan --local /dev/ubdh > /dev/null || { log "WARNING: create fan failed"; return; }
  DEV[fan]=$(try_on n1 cat /etc/netraid/fan.json | sed -n 's/.*"md_device": *"\([^"]*\)".*/\1/p')
  for want in $TARGET_STEPS; do
    while [ $have -lt $want ]; do
      have=$((have + 1))
      nr n1 extend fan --target n$((have + 1)) --target-device /dev/ubdh > /dev/null &&
        nr n1 wait fan --timeout 900 > /dev/null || { log "WARNING: extend fan to n$((have + 1)) failed"; return; }
    done
    wrote fan
    for rep in $(seq 1 "$REPS"); do
      fio_run fan "fan.seq" --rw=write --bs=1M --ioengine=psync
      wrote fan
      record $rep targets$want seq_write_mb_s "$(fio_field "$SHARED/fan.seq.json" 'round(j["write"]["bw_bytes"]/1e6, 1)')"
      settle fan
      fio_run fan "fan.qd1" --rw=randwrite --bs=4k --ioengine=psync --sync=dsync
      wrote fan
      record $rep targets$want qd1_iops "$(fio_field "$SHARED/fan.qd1.json" 'round(j["write"]["iops"])')"
    done
    log "$want target(s) done"
  done
}
has tls && [ -n "$TARGET_STEPS" ] && fan_steps

# --- the machine, then the summary (table, JSON, markdown, PNG) --------------
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE=$(python3 - "$(nproc)" "$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n1)" \
  "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" "$(uname -r)" \
  "$(try_on n1 uname -r)" "$LOADAVG" "$(fio --version)" "$(try_on n1 head -n1 /proc/drbd)" <<'PY'
import json, sys
k = ["nproc", "cpu", "memory", "host_kernel", "node_kernel", "loadavg_at_end", "fio", "drbd"]
print(json.dumps(dict(zip(k, sys.argv[1:]))))
PY
)
mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
[ $QUICK = 1 ] && STAMP="$STAMP-quick"
python3 "$HERE/summarize.py" "$RESULTS" "$OUT/compare-$STAMP" "$MACHINE" \
  "{\"reps\": $REPS, \"quick\": $QUICK, \"disk_mib\": $DISK_MIB, \"runtime_s\": $RUNTIME, \"seed\": $SEED, \"chunk_kib\": $CHUNK_KIB, \"wall_s\": $((SECONDS - T0_ALL)), \"systems\": \"$SYSTEMS\"}" ||
  fail "summary failed (raw results: $RESULTS)"
cp "$RESULTS" "$OUT/compare-$STAMP.raw"
latest=latest; [ $QUICK = 1 ] && latest=latest-quick
for e in json png md raw; do [ -f "$OUT/compare-$STAMP.$e" ] && ln -sfn "compare-$STAMP.$e" "$OUT/$latest.$e"; done
log "done: $OUT/compare-$STAMP.{json,png,md,raw}"
