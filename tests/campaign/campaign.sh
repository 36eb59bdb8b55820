#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fault campaign (issue 16): a seeded, reproducible run that keeps a
# mirror under a verifying write load (nrload: numbered 4 KiB blocks, every
# acknowledged write logged on the host before the next is issued) and
# injects one fault at a time, at random, from the kinds below. Failover
# decisions come from the cluster manager: --manager driver (the default),
# this script as a stand-in that runs `netraid restore` by priority
# (cm_restore_any); --manager pacemaker, a Corosync + Pacemaker cluster of
# the lab's nodes with the netraid promotable clone, fencing by
# fence_netraid_lab (stonith-action off) and, with --load fsync, a Filesystem
# on the promoted instance (docs/pacemaker.md): the driver then never runs
# restore or resync; it injects the fault, powers fenced nodes on as an
# operator would, waits for Pacemaker to promote (or to refuse) and learns
# the source from crm_mon. After every fault, once the cluster has
# settled (writer stopped, every leg back and in sync):
#   1. no acknowledged write is missing on the copy in service (nrload check
#      on its leg: each block holds its last acknowledged write or the one in
#      flight, nothing older);
#   2. every leg byte-identical to the in-service leg over the data area,
#      and `netraid verify TAG` exits 0;
#   3. the bytes the resync wrote to each leg are within 1.1 x its dirty
#      chunks (the source's bitmap, plus the chunks merged from the
#      returning leg) + 1 MiB, unless the log says a full resync was due;
#   4. no copy the rules forbid was brought into service (a stale or
#      half-resynced copy is refused with its exit code, or under Pacemaker
#      stays unpromoted with no promotion score; the array runs on one system
#      only, and under Pacemaker exactly one instance is promoted, there;
#      every target ends in_sync with the source's generation);
#   5. no split brain was met (none of these faults may make one) and so none
#      was resolved silently.
# Any violation stops the run, keeps the lab up (NETRAID_CAMPAIGN_KEEP_LAB=0:
# bring it down), the fault log, the ack log and the nodes' consoles under
# the output folder, and prints the command that replays the run.
#
# usage: campaign.sh [--seed S] [--faults N] [--topology 2|3|n+1] [--replay S]
#                    [--manager driver|pacemaker] [--kinds K1,K2,...] [--in-order]
#                    [--self-test] [--load direct|fsync] [--out DIR]
# --topology n+1: two mirrors, alpha (n1 -> n3:/dev/ubda) and beta
# (n2 -> n3:/dev/ubdb), one writer and ack log each; each fault picks one
# mirror, and after it both mirrors are checked (driver manager, raw load).
# --in-order: the kinds one after the other (cycling) instead of at random.
# --replay S is --seed S (the fault sequence and every random choice follow
# from the seed; the lab's timing does not). --self-test first proves the
# checks can fail (a flipped acknowledged block; a resync whose bitmap merge
# input was wiped, so the legs diverge). Exit 0 all faults passed, 1 a
# violation (or a command of the harness failed), 77 no lab here.
set -u
SEED=1 FAULTS=10 TOPO=2 KINDS="" SELFTEST=0 INORDER=0 LOAD=direct OUT="" MANAGER=driver
while [ $# -gt 0 ]; do
  case "$1" in
    --seed | --replay) SEED="$2"; shift 2 ;;
    --faults) FAULTS="$2"; shift 2 ;;
    --topology) TOPO="$2"; shift 2 ;;
    --kinds) KINDS="$2"; shift 2 ;;
    --self-test) SELFTEST=1; shift ;;
    --in-order) INORDER=1; shift ;;
    --load) LOAD="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --manager) MANAGER="$2"; shift 2 ;;
    *) echo "usage: campaign.sh [--seed S] [--faults N] [--topology 2|3|n+1] [--replay S] [--manager driver|pacemaker] [--kinds K,...] [--self-test] [--load direct|fsync] [--out DIR]" >&2; exit 2 ;;
  esac
done
[[ "$SEED" =~ ^[0-9]+$ && "$FAULTS" =~ ^[0-9]+$ ]] || { echo "campaign: --seed and --faults take numbers" >&2; exit 2; }
case "$TOPO" in 2 | 3 | n+1) ;; *) echo "campaign: --topology is 2, 3 or n+1" >&2; exit 2 ;; esac
case "$MANAGER" in driver | pacemaker) ;; *) echo "campaign: --manager is driver (this script runs restore) or pacemaker (a Corosync + Pacemaker cluster decides)" >&2; exit 2 ;; esac
if [ "$TOPO" = n+1 ]; then
  [ "$MANAGER" = driver ] || { echo "campaign: --topology n+1 runs with --manager driver only (two promotable clones on a shared backup are not done)" >&2; exit 2; }
  [ "$LOAD" = direct ] || { echo "campaign: --topology n+1 runs with --load direct only" >&2; exit 2; }
  [ $SELFTEST = 0 ] || { echo "campaign: --self-test needs --topology 2 or 3" >&2; exit 2; }
fi
case "$LOAD" in direct | fsync) ;; *) echo "campaign: --load is direct (O_DIRECT|O_DSYNC on the md device) or fsync (write + fdatasync of a file in ext4 on it)" >&2; exit 2 ;; esac
export NETRAID_LAB="${NETRAID_LAB:-campaign}"
CAMPAIGN_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$(dirname "$0")/../lab/lib.sh"
. "$(dirname "$0")/../lab/lib-pacemaker.sh"

ALL_KINDS="target-crash source-crash link-cut netem pause-resume switchover target-crash-in-resync source-crash-in-resync blank-disk monitor-killed both-crash cut-then-source-crash unextend-extend"
# Under Pacemaker: no netraid monitor runs (monitor-killed has no object);
# Corosync shares the replication link's addresses in the lab, so a cut or a
# netem burst is a cluster split with a fencing race, not the fault these
# kinds mean (link-cut, netem, cut-then-source-crash: not done under
# Pacemaker; pacemaker-fence-peer covers a replication link dying alone);
# unextend leaves a clone instance on a node without the mirror.
PCMK_KINDS="target-crash source-crash pause-resume switchover target-crash-in-resync source-crash-in-resync blank-disk both-crash"
AVAIL_KINDS=$ALL_KINDS
[ "$MANAGER" = pacemaker ] && AVAIL_KINDS=$PCMK_KINDS
[ -n "$KINDS" ] || KINDS="$AVAIL_KINDS"
KINDS="${KINDS//,/ }"
for k in $KINDS; do
  [[ " $ALL_KINDS " == *" $k "* ]] || { echo "campaign: unknown fault kind '$k' (kinds: $ALL_KINDS)" >&2; exit 2; }
  [[ " $AVAIL_KINDS " == *" $k "* ]] || { echo "campaign: fault kind '$k' is not done with --manager $MANAGER (kinds: $AVAIL_KINDS)" >&2; exit 2; }
done
read -r -a KIND_LIST <<< "$KINDS"

OUT="${OUT:-/var/tmp/netraid-campaign/$NETRAID_LAB-seed$SEED-t$TOPO$([ "$LOAD" = fsync ] && echo -fsync)$([ "$MANAGER" = pacemaker ] && echo -pcmk)}"
rm -rf "$OUT" && mkdir -p "$OUT" || { echo "campaign: cannot make $OUT" >&2; exit 1; }
FLOG="$OUT/faults.log"
ACKS="$OUT/acks.log"   # on the host; the nodes see it through hostfs (n+1: acks.TAG.log)
NRLOAD="$BUILD_DIR/tests/campaign/nrload"
[ -x "$NRLOAD" ] || skip "nrload is not built at $NRLOAD: build the tree first"
BLOCKS=8192            # the writer's area: the first 32 MiB of the array, or a 32 MiB file
MNT=/mnt                # --load fsync: ext4 on the mirror, mounted where the mirror is in service
LOADFILE=$MNT/load.dat
MAP=()                 # --load fsync: where the file's bytes are on the array (nrload --map)
PAUSE_MS=2
CHUNK=$((CHUNK_KIB * 1024))
DEV=""
REPLAY="NETRAID_BUILD_DIR=$BUILD_DIR NETRAID_LAB=$NETRAID_LAB $0 --replay $SEED --faults $FAULTS --topology $TOPO --manager $MANAGER${KINDS:+ --kinds ${KINDS// /,}}$([ $SELFTEST = 1 ] && echo ' --self-test')$([ $INORDER = 1 ] && echo ' --in-order')$([ "$LOAD" = fsync ] && echo ' --load fsync')"
log() { echo "$*" | tee -a "$FLOG"; }

# A violation (or a harness command that failed: lib.sh's fail) stops the run.
VIOLATION=""
fail() {
  VIOLATION="$*"
  echo "VIOLATION (seed $SEED, fault ${FAULT_NO:-0} ${KIND:-setup}): $*" | tee -a "$FLOG" >&2
  exit 1
}
campaign_exit() {
  local rc=$?
  trap - EXIT
  if [ $rc = 0 ] || [ $rc = 77 ]; then
    lab down > /dev/null 2>&1
    exit $rc
  fi
  for c in "$LAB_DIR"/nodes/*/console.log; do [ -f "$c" ] && cp "$c" "$OUT/$(basename "$(dirname "$c")").console.log"; done
  if [ "$MANAGER" = pacemaker ]; then
    for n in $ALL_NODES; do cp "$LAB_DIR/nodes/$n/persist/log-pacemaker/pacemaker.log" "$OUT/$n.pacemaker.log" 2> /dev/null; done
    cp "$LAB_DIR/cluster/hostd.log" "$OUT/hostd.log" 2> /dev/null
  fi
  for n in $ALL_NODES; do
    try_on "$n" sh -c 'cat /var/log/netraid/monitor.log' > "$OUT/$n.monitor.log" 2> /dev/null
    try_on "$n" sh -c 'cat /var/log/netraid/nrload-*.log' > "$OUT/$n.nrload.log" 2> /dev/null
  done
  {
    echo "campaign stopped: ${VIOLATION:-exit $rc} (seed $SEED, fault ${FAULT_NO:-0} of $FAULTS, ${KIND:-setup})"
    echo "  fault log, ack log, consoles, monitor logs: $OUT"
    echo "  replay:  $REPLAY"
  } | tee -a "$FLOG" >&2
  if [ "${NETRAID_CAMPAIGN_KEEP_LAB:-1}" = 1 ]; then
    echo "  the lab is kept up: NETRAID_LAB=$NETRAID_LAB $LAB status; bring it down with NETRAID_LAB=$NETRAID_LAB $LAB down" >&2
  else
    lab down > /dev/null 2>&1
  fi
  exit $rc
}

# --- the seeded random choices (only ever in this shell, never in $(...))
RANDOM=$SEED
WSEED=$SEED  # the writer's seed (the self-test starts a new epoch with another)
R=0
rnd() { R=$((RANDOM % $1)); }

# --- cluster state as the driver knows it
if [ "$TOPO" = n+1 ]; then ALL_NODES="n1 n2 n3 "; else ALL_NODES=$(seq -f 'n%g' 1 "$TOPO" | tr '\n' ' '); fi
SRC=n1
declare -A PRIO=([n1]=1 [n2]=2 [n3]=3)
# The mirrors and where each lives. Topology 2 and 3: one mirror, $TAG, on
# every node's /dev/ubda. n+1: alpha n1 -> n3:/dev/ubda, beta n2 ->
# n3:/dev/ubdb; each has its own writer and ack log, and the globals below
# (TAG, SRC, MNODES, ACKS, WSEED, WRITER_ON, DEV) are those of the mirror
# in hand (use_mirror).
if [ "$TOPO" = n+1 ]; then MIRRORS=(alpha beta); else MIRRORS=("$TAG"); fi
declare -A M_NODES=() M_SRC=() M_WSEED=() M_WRITER=() M_DEV=()
if [ "$TOPO" = n+1 ]; then
  M_NODES=([alpha]="n1 n3" [beta]="n2 n3")
  M_SRC=([alpha]=n1 [beta]=n2)
  M_WSEED=([alpha]=$SEED [beta]=$((SEED + 500000)))
fi
MNODES=$ALL_NODES
mirror_acks() { if [ "$TOPO" = n+1 ]; then echo "$OUT/acks.$1.log"; else echo "$OUT/acks.log"; fi; }
save_mirror() { M_SRC[$TAG]=$SRC; M_WSEED[$TAG]=$WSEED; M_WRITER[$TAG]=$WRITER_ON; M_DEV[$TAG]=$DEV; }
use_mirror() {
  [ "$TOPO" = n+1 ] || return 0
  [ "$TAG" = "$1" ] && [ -n "${M_NODES[$1]:-}" ] && [ "$MNODES" = "${M_NODES[$1]}" ] && return 0
  [ -n "${M_NODES[$TAG]:-}" ] && save_mirror
  TAG=$1 SRC=${M_SRC[$1]} WSEED=${M_WSEED[$1]} WRITER_ON=${M_WRITER[$1]:-} DEV=${M_DEV[$1]:-}
  MNODES=${M_NODES[$1]} ACKS=$(mirror_acks "$1")
}
# legdev NODE: the device that holds NODE's copy of $TAG; legidx: its lab disk.
legidx() { [ "$TOPO" = n+1 ] && [ "$TAG" = beta ] && [ "$1" = n3 ] && echo 1 || echo 0; }
legdev() { [ "$(legidx "$1")" = 1 ] && echo /dev/ubdb || echo /dev/ubda; }
targets() { local n; for n in $MNODES; do [ "$n" != "$SRC" ] && [ -z "${GONE[$n]:-}" ] && echo "$n"; done; }
declare -A GONE=()      # unextended nodes
pick_target() { local t; mapfile -t t < <(targets); rnd ${#t[@]}; T=${t[$R]}; }

# The monitor runs on every system (it supervises what is in service there),
# started again after each boot; its log is appended to. Not under
# Pacemaker: there the agent's monitor reconnects targets (docs/pacemaker.md).
start_monitors() {
  local n
  [ "$MANAGER" = pacemaker ] && return 0
  for n in "$@"; do
    on "$n" sh -c 'mkdir -p /run/netraid /var/log/netraid; setsid "$1" monitor --interval 2 >> /var/log/netraid/monitor.log 2>&1 < /dev/null & echo $! > /run/netraid/monitor.pid' sh "$NETRAID"
  done
}
image() { lab disk "$1" "$(legidx "$1")"; }
node_down() { lab status 2> /dev/null | grep -q "^  $1 .* down$"; }

# Crashes and boots. Under Pacemaker a crashed node is fenced (powered off,
# stonith-action off) by the cluster; the driver powers it on again only
# after that fencing, as an operator would, so the cluster never meets a
# node it was about to fence. CRASHED: the nodes crashed during this fault.
declare -A CRASHED=() FENCE_MARK=()
fence_count() { local c; c=$(grep -c " off $1\$" "$LAB_DIR/cluster/hostd.log" 2> /dev/null); echo "${c:-0}"; }
crash_node() {
  [ "$MANAGER" = pacemaker ] && FENCE_MARK[$1]=$(fence_count "$1")
  lab crash "$1" > /dev/null
  CRASHED[$1]=1
}
# boot_node [--no-fencing] NODE...: --no-fencing: no quorate survivor was
# left to fence them (every node crashed).
boot_node() {
  local n fenced=1 i
  [ "${1:-}" = --no-fencing ] && { fenced=0; shift; }
  for n in "$@"; do
    if [ "$MANAGER" = pacemaker ]; then
      if [ $fenced = 1 ] && [ -n "${FENCE_MARK[$n]:-}" ]; then
        for i in $(seq 360); do [ "$(fence_count "$n")" -gt "${FENCE_MARK[$n]}" ] && break; sleep 0.5; done
        [ "$(fence_count "$n")" -gt "${FENCE_MARK[$n]}" ] || fail "the cluster did not fence the crashed $n within 180 s"
        log "    $n fenced by the cluster ($(grep " off $n\$" "$LAB_DIR/cluster/hostd.log" | tail -n1 | cut -d' ' -f1)); the operator powers it on"
      fi
      unset "FENCE_MARK[$n]"
      lab power on "$n" > /dev/null || fail "powering $n on failed"
    else
      lab boot "$n" > /dev/null
      start_monitors "$n"
    fi
  done
}

# --- the load
# load_file_map: --load fsync writes a file of BLOCKS blocks in ext4; it is
# written out once (overwrites in place never move its blocks in ext4), and
# filefrag's extents say where its bytes are on the array, so the host checks
# the legs' disk images as for the raw load.
load_file_map() {
  on n1 dd if=/dev/zero of="$LOADFILE" bs=4096 count="$BLOCKS" conv=fsync status=none
  try_on n1 filefrag -v "$LOADFILE" > "$OUT/filefrag.txt" || fail "filefrag -v $LOADFILE failed on n1"
  python3 - "$OUT/filefrag.txt" "$((BLOCKS * 4096))" > "$OUT/load.map" <<'PY' || fail "cannot map $LOADFILE from filefrag: $(head -n 3 "$OUT/filefrag.txt" | tr '\n' ' ')"
import re, sys
text = open(sys.argv[1]).read()
bs = int(re.search(r"blocks of (\d+) bytes", text).group(1))
total = 0
for m in re.finditer(r"^\s*\d+:\s*(\d+)\.\.\s*\d+:\s*(\d+)\.\.\s*\d+:\s*(\d+):", text, re.M):
    logical, physical, length = (int(g) for g in m.groups())
    print(logical * bs, physical * bs, length * bs)
    total += length * bs
sys.exit(0 if total >= int(sys.argv[2]) else 1)
PY
  MAP=(--map "$OUT/load.map")
  log "    load: $LOADFILE in ext4, $(wc -l < "$OUT/load.map") extent(s) on the array"
}
WRITER_ON=""
writer_start() {
  if [ "$LOAD" = fsync ]; then
    try_on "$SRC" mountpoint -q "$MNT" || fail "$TAG's filesystem is not mounted on $MNT on $SRC, where it is in service"
    DEV=$LOADFILE
  else
    DEV=$(nr "$SRC" status $TAG --json 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["mirrors"][0]["md_device"])')
    [ -n "$DEV" ] || fail "no md device of $TAG in status on $SRC"
    on "$SRC" test -b "$DEV"
  fi
  on "$SRC" sh -c 'mkdir -p /var/log/netraid; setsid "$1" write --dev "$2" --seed "$3" --blocks "$4" --log "$5" --mode "$6" --pause-ms "$7" > "/var/log/netraid/nrload-$8.log" 2>&1 < /dev/null & echo $! > "/run/nrload-$8.pid"' \
    sh "$NRLOAD" "$DEV" "$WSEED" "$BLOCKS" "$ACKS" "$LOAD" "$PAUSE_MS" "$TAG"
  WRITER_ON=$SRC
}
acked() { [ -f "$ACKS" ] && wc -l < "$ACKS" || echo 0; }
# acked_all: every mirror's acknowledged writes.
acked_all() { local m a=0; for m in "${MIRRORS[@]}"; do [ -f "$(mirror_acks "$m")" ] && a=$((a + $(wc -l < "$(mirror_acks "$m")"))); done; echo $a; }
# writer_stop: SIGTERM, the current write finishes and is logged. A writer
# that had already stopped on an I/O error while its system was up is a
# violation: a target fault must never fail the source's writes. So is a
# write that does not complete within 10 minutes; one that takes over 60 s
# is logged and counted (a busy host's fsyncs of the lab's disk images have
# held writes that long) but is not a broken promise.
SLOW_STOPS=0 SLOWEST_STOP=0
writer_stop() {
  [ -n "$WRITER_ON" ] || return 0
  local n=$WRITER_ON rc t0=$SECONDS took
  WRITER_ON=""
  try_on "$n" sh -c 'p=$(cat "/run/nrload-$1.pid") || exit 0; kill -0 "$p" 2> /dev/null || exit 3
    kill "$p"; t=$(($(date +%s) + 120)); while kill -0 "$p" 2> /dev/null; do [ "$(date +%s)" -lt $t ] || exit 4; sleep 0.1; done' sh "$TAG" > /dev/null 2>&1
  rc=$?
  if [ $rc = 4 ]; then
    # Held over 2 minutes: what the node's tasks wait on goes to its console
    # log (kept with the run), then the writer gets the rest of its 10 minutes.
    log "    the writer on $n has not stopped after 120 s: its blocked tasks go to $n's console log (sysrq w)"
    lab sysrq "$n" w > /dev/null 2>&1
    try_on "$n" sh -c 'p=$(cat "/run/nrload-$1.pid") || exit 0
      t=$(($(date +%s) + 480)); while kill -0 "$p" 2> /dev/null; do [ "$(date +%s)" -lt $t ] || exit 4; sleep 0.1; done' sh "$TAG" > /dev/null 2>&1
    rc=$?
  fi
  took=$((SECONDS - t0))
  if [ $rc = 0 ] && [ $took -gt 60 ]; then
    SLOW_STOPS=$((SLOW_STOPS + 1))
    [ $took -gt $SLOWEST_STOP ] && SLOWEST_STOP=$took
    log "    SLOW: the writer on $n took $took s to finish its write and stop (host load: $(cut -d' ' -f1-3 /proc/loadavg))"
  fi
  case $rc in
    0) ;;
    3) fail "the writer of $TAG on $n had stopped by itself: $(try_on "$n" tail -n 2 "/var/log/netraid/nrload-$TAG.log" | tr '\n' ' ')" ;;
    4) fail "the writer on $n did not stop within 600 s of SIGTERM (a write hangs)" ;;
    *) fail "could not stop the writer on $n (exit $rc)" ;;
  esac
}
writer_crashed() { WRITER_ON=""; }   # its system crashed with it

# --- measurements
# dirty_of NODE: the dirty chunks in the bitmap of NODE's leg of $TAG (read
# from its disk image on the host while NODE is down).
dirty_of() {
  local d
  if node_down "$1"; then
    d=$(python3 "$CAMPAIGN_DIR/md-bitmap-image.py" count "$(image "$1")")
  else
    d=$(dirty_chunks "$1" "$(legdev "$1")")
  fi
  [[ "$d" =~ ^[0-9]+$ ]] || fail "no bitmap on $1's $(legdev "$1")"
  echo "$d"
}
# mhealth NODE: md's "[UU]" of the array holding NODE's leg of $TAG.
mhealth() {
  try_on "$1" cat /proc/mdstat | awk -v d="$(basename "$(legdev "$1")")[" '
    /^md/ { f = index($0, d) > 0; next }
    f && match($0, /\[[U_]+\]/) { print substr($0, RSTART, RLENGTH); exit }'
}
# The size in bytes of $TAG's array on NODE.
msize() {
  local d
  d=$(nr "$1" status $TAG --json 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["mirrors"][0]["md_device"])')
  [ -n "$d" ] || fail "no md device of $TAG in status on $1"
  try_on "$1" blockdev --getsize64 "$d"
}
wait_leg_failed() {  # md on SRC runs without some leg
  local i
  for i in $(seq 240); do [[ "$(mhealth "$SRC")" == *_* ]] && return 0; sleep 0.5; done
  fail "md on $SRC did not fail a leg within 120 s"
}
# What the resync passes said since mark_logs: the driver's own passes
# (pass.out) and the monitor's log; under Pacemaker, the source's Pacemaker
# log (the agent's promote and notify run restore and resync there: read on
# the host, so a node that is down has one too) and the agent's background
# resyncs' log.
pcmk_log() { echo "$LAB_DIR/nodes/$1/persist/log-pacemaker/pacemaker.log"; }
declare -A PM_MARK=() RS_MARK=()
mark_logs() {
  local n
  if [ "$MANAGER" = pacemaker ]; then
    # every node's: Pacemaker may promote another than the driver expects
    for n in $ALL_NODES; do
      PM_MARK[$n]=$(cat "$(pcmk_log "$n")" 2> /dev/null | wc -l)
      RS_MARK[$n]=0
      node_down "$n" || RS_MARK[$n]=$(try_on "$n" sh -c 'cat /run/resource-agents/netraid-*.resync.log 2> /dev/null | wc -l' 2> /dev/null)
      [[ "${RS_MARK[$n]}" =~ ^[0-9]+$ ]] || RS_MARK[$n]=0
    done
  else
    MON_MARK=$(try_on "$SRC" sh -c 'wc -l < /var/log/netraid/monitor.log' 2> /dev/null || echo 0)
  fi
}
pass_log() {
  cat "$OUT/pass.out" 2> /dev/null
  if [ "$MANAGER" = pacemaker ]; then
    local m=${PM_MARK[$SRC]:-0} r=${RS_MARK[$SRC]:-0}
    tail -n +$((m + 1)) "$(pcmk_log "$SRC")" 2> /dev/null | grep "nr-$TAG" | sed 's/ \]$//'
    try_on "$SRC" sh -c 'cat /run/resource-agents/netraid-*.resync.log 2> /dev/null | tail -n +$(($1 + 1))' sh "$r" 2> /dev/null
  else
    try_on "$SRC" sh -c 'tail -n +$(($1 + 1)) /var/log/netraid/monitor.log' sh "$MON_MARK" 2> /dev/null
  fi
}

# before_trigger: the writer is stopped; note the source's dirty chunks and
# the NBD counters before the leg comes back (boot, heal, resume, restore).
before_trigger() {
  DIRTY=$(dirty_of "$SRC") || exit 1
  NBD_BASE=()
  node_down "$SRC" || nbd_baseline "$SRC"   # a node that boots counts from 0
  mark_logs
  : > "$OUT/pass.out"
}
resync_pass() { nr "$SRC" resync $TAG >> "$OUT/pass.out" 2>&1; }
# reconnect: a returning leg is brought back by the cluster manager's side:
# the driver's resync pass, or under Pacemaker the agent itself (notify
# post-start, the promoted instance's monitor), so nothing here.
reconnect() { [ "$MANAGER" = pacemaker ] || resync_pass; }

# --- Pacemaker's view (crm_mon's XML through lib-pacemaker.sh)
# pm_view: a live node whose crm_mon shows a DC with quorum ("" if none).
pm_view() {
  local n
  for n in $ALL_NODES; do
    node_down "$n" && continue
    crm_xml "$n" | grep -q '<current_dc [^>]*with_quorum="true"' && { echo "$n"; return 0; }
  done
}
promoted_count() { crm_xml "$1" | tr '\n' ' ' | grep -o "<resource id=\"nr-$TAG\"[^>]*role=\"Promoted\"" | wc -l; }
UNEXPECTED_FENCES=0
# pm_power_on_fenced: a node the cluster fenced although the driver did not
# crash it (a lost token under load, startup fencing after every node
# crashed) is down with stonith-action off: the operator powers it on.
pm_power_on_fenced() {
  local n
  for n in $ALL_NODES; do
    [ -n "${FENCE_MARK[$n]:-}" ] && continue   # crashed by this fault, not booted yet
    node_down "$n" || continue
    UNEXPECTED_FENCES=$((UNEXPECTED_FENCES + 1))
    log "    $n is down: fenced by the cluster ($(grep " off $n\$" "$LAB_DIR/cluster/hostd.log" 2> /dev/null | tail -n1 | cut -d' ' -f1)); the operator powers it on"
    lab power on "$n" > /dev/null || fail "powering $n on failed"
  done
}
# pm_wait_promoted SECONDS WANT FORBIDDEN...: until Pacemaker has promoted
# an instance (WANT: that node; "": any) and, with --load fsync, mounted the
# file system there; sets PM_PROMOTED. A FORBIDDEN node promoted at any time
# is a violation of rule 4; more than one promoted instance too.
pm_wait_promoted() {
  local seconds="$1" want="$2" deadline=$(($SECONDS + $1)) via p f
  shift 2
  PM_PROMOTED=""
  while :; do
    pm_power_on_fenced
    via=$(pm_view)
    if [ -n "$via" ]; then
      p=$(promoted_node "$via")
      # A node that is down (crashed, not yet seen gone) still shows its
      # last role for a few seconds: not an instance.
      [ -n "$p" ] && node_down "$p" && p=""
      for f in "$@"; do
        [ -n "$p" ] && [ "$p" = "$f" ] && fail "Pacemaker promoted $p, a copy the rules forbid (crm_mon on $via)"
      done
      [ -n "$p" ] && [ "$(promoted_count "$via")" -gt 1 ] && fail "more than one promoted instance of nr-$TAG (crm_mon on $via)"
      if [ -n "$p" ] && { [ -z "$want" ] || [ "$p" = "$want" ]; }; then
        if [ "$LOAD" != fsync ] || [ "$(fs_node "$via")" = "$p" ]; then PM_PROMOTED=$p; return 0; fi
      fi
    fi
    [ $SECONDS -lt $deadline ] || fail "Pacemaker did not promote ${want:-an instance}$([ "$LOAD" = fsync ] && echo ' and mount the file system') within $seconds s (crm_mon on ${via:-no quorate node}: promoted '${p:-}')"
    sleep 1
  done
}
# pm_wait_settled: every node back in the cluster, the promoted instance
# where the driver believes the source is (if Pacemaker moved it, the
# driver follows it and says so), its monitor's reconnects done: the mirror
# healthy on the source.
pm_wait_settled() {
  local deadline=$((SECONDS + 420)) via n ok
  pm_wait_promoted 300 ""
  if [ "$PM_PROMOTED" != "$SRC" ]; then
    log "    Pacemaker moved the source: $SRC -> $PM_PROMOTED"
    SETTLE_MOVED=1
    new_source "$PM_PROMOTED"
  fi
  while :; do
    pm_power_on_fenced
    ok=1
    via=$(pm_view)
    if [ -z "$via" ]; then ok=0; else
      for n in $ALL_NODES; do node_online "$via" "$n" || ok=0; done
      [ "$(promoted_node "$via")" = "$SRC" ] || ok=0
    fi
    [ $ok = 1 ] && nr "$SRC" status $TAG > /dev/null 2>&1 && return 0
    [ $SECONDS -lt $deadline ] || fail "under Pacemaker, $TAG on $SRC did not get healthy with every node online within 420 s: $(nr "$SRC" status $TAG 2>&1 | grep -i 'sync\|status' | tr '\n' ' ')"
    sleep 2
  done
}

declare -A COUNT=() SECS=()
FULL=0 FULL_WHY="" CHECKS=0 LOST=0 DIVERGED=0 RATIO_SUM=0 RATIO_N=0 ACKED_CHECKED=0
# settle EXPECT [TARGET]: every target back and in sync, then every check.
# EXPECT: partial (bound 3 applies), full:WHY (a full resync is due: to
# TARGET only when given, the other targets partial), any (no bound: e.g.
# two passes).
settle() {
  local expect_all="$1" full_target="${2:-}" expect t nbd bytes max merged log
  SETTLE_MOVED=0
  if [ "$MANAGER" = pacemaker ]; then
    pm_wait_settled
    [ $SETTLE_MOVED = 1 ] && [ "$expect_all" = partial ] && expect_all=any
  fi
  nr "$SRC" wait $TAG --timeout 300 > "$OUT/wait.out" 2>&1 || {
    reconnect
    nr "$SRC" wait $TAG --timeout 300 > "$OUT/wait.out" 2>&1 ||
      fail "$TAG on $SRC did not get in sync: $(tail -n 3 "$OUT/wait.out" | tr '\n' ' '); status: $(nr "$SRC" status $TAG 2>&1 | grep -i 'sync\|status' | tr '\n' ' ')"
  }
  log=$(pass_log)
  echo "$log" | sed -n '/: \(re-add\|add (full\|merging\|.*resync:\)/s/^/      /p' | tee -a "$FLOG"
  grep -qi "split brain" <<< "$log" && fail "a resync pass met a split brain: $(grep -i 'split brain' <<< "$log" | head -n1)"
  for t in $(targets); do
    expect=$expect_all
    [ "$expect" = checks ] && continue   # the other mirror of n+1: no resync accounting
    [[ "$expect" == full:* && -n "$full_target" && "$t" != "$full_target" ]] && expect=partial
    nbd=$(nbd_of "$SRC" "$t")
    [ -n "$nbd" ] || fail "no NBD leg of $t recorded on $SRC"
    bytes=$(bytes_written_since_baseline "$SRC" "$nbd")
    merged=$(sed -n "s/.*: $t: merging its \([0-9]*\) dirty chunk.*/\1/p" <<< "$log" | awk '{s += $1} END {print s + 0}')
    max=$(((DIRTY + merged) * CHUNK * 11 / 10 + (1 << 20)))
    if grep -q ": $t: add (full resync)\|fullresync\|: $t: .*full resync:" <<< "$log"; then
      local why
      why=$(grep -m1 ": $t: add (full resync)\|: $t: .*full resync:" <<< "$log" | sed 's/.*resync): //; s/.*full resync: //')
      [[ "$expect" == full:* ]] || fail "$t got a full resync after $KIND, which should cost a partial one: $why"
      FULL=$((FULL + 1)); FULL_WHY+="    $KIND -> $t: ${why:-$expect}"$'\n'
      log "    $t: full resync ($bytes bytes): ${why:-${expect#full:}}"
      [ "$expect" = "full:blank disk" ] && [ "$bytes" -lt "$(msize "$SRC")" ] && fail "$t: a full resync to a blank disk wrote only $bytes bytes"
    else
      [[ "$expect" == full:* ]] && fail "$t: expected a full resync after $KIND (${expect#full:}), the log shows none"
      log "    $t: resynced $bytes bytes; dirty $DIRTY + merged $merged chunks (bound $max)"
      if [ "$expect" = partial ]; then
        [ "$bytes" -le "$max" ] || fail "$t: resync wrote $bytes bytes, more than 1.1 x $((DIRTY + merged)) dirty chunks + 1 MiB ($max)"
        if [ $((DIRTY + merged)) -gt 0 ]; then
          RATIO_SUM=$(awk -v s="$RATIO_SUM" -v b="$bytes" -v d=$(((DIRTY + merged) * CHUNK)) 'BEGIN {print s + b / d}')
          RATIO_N=$((RATIO_N + 1))
        fi
      fi
    fi
  done
  check_all
}

# check_all: checks 1, 2, 4 on the settled mirror.
check_all() {
  local t img off out rc src_md5 md5 size n via
  for n in $MNODES; do
    [ "$n" = "$SRC" ] && continue
    # an array holding n's copy of $TAG (n+1: n3 may run the other mirror)
    try_on "$n" grep -q "$(basename "$(legdev "$n")")\[" /proc/mdstat &&
      fail "an md array runs on $n's copy of $TAG too (the mirror is in service on $SRC): $(try_on "$n" grep '^md' /proc/mdstat | tr '\n' ' ')"
  done
  if [ "$MANAGER" = pacemaker ]; then
    via=$(pm_view)
    [ -n "$via" ] || fail "no node with quorum shows the cluster's state"
    [ "$(promoted_node "$via")" = "$SRC" ] && [ "$(promoted_count "$via")" = 1 ] ||
      fail "crm_mon on $via: nr-$TAG promoted on '$(promoted_node "$via")' ($(promoted_count "$via") promoted), the mirror is in service on $SRC"
    log "    Pacemaker: nr-$TAG promoted on $SRC only, unpromoted on $(unpromoted_nodes "$via")"
  fi
  for t in $(targets); do
    [ "$(flag "$t" sync_state)" = in_sync ] || fail "$t's sync_state is '$(flag "$t" sync_state)' after the settle"
    [ "$(generation_of "$t")" = "$(generation_of "$SRC")" ] || fail "$t's generation $(generation_of "$t") is not $SRC's $(generation_of "$SRC")"
    on "$t" sync
  done
  on "$SRC" sync
  img=$(image "$SRC"); off=$(image_data_offset "$img") || exit 1
  out=$("$NRLOAD" check --dev "$img" --offset "$off" "${MAP[@]}" --seed "$WSEED" --blocks "$BLOCKS" --log "$ACKS"); rc=$?
  log "    check ($SRC, in service): $(tail -n1 <<< "$out")"
  CHECKS=$((CHECKS + 1)); ACKED_CHECKED=$((ACKED_CHECKED + $(acked)))
  if [ $rc != 0 ]; then
    LOST=$((LOST + $(grep -c '^LOST' <<< "$out")))
    grep '^LOST' <<< "$out" | head -n 5 | tee -a "$FLOG"
    fail "acknowledged writes lost on $SRC, the copy in service"
  fi
  check_legs
  out=$(nr "$SRC" verify $TAG --timeout 300 2>&1); rc=$?
  log "    verify: $(tail -n1 <<< "$out")"
  if [ $rc = 3 ] && [ "$MANAGER" = pacemaker ] && [ "${RECHECKED:-0}" = 0 ]; then
    # verify refuses a degraded mirror (3): Pacemaker recovered an instance
    # since the settle (e.g. a monitor that timed out). Settle and check again, once.
    log "    the mirror degraded after the settle ($(try_on "$SRC" crm_mon -1 2> /dev/null | grep -A3 'Failed Resource Actions' | tail -n +2 | tr -s ' ' | tr '\n' ' ')): settle and check again"
    RECHECKED=1
    pm_wait_settled
    nr "$SRC" wait $TAG --timeout 300 > /dev/null 2>&1
    check_all
    RECHECKED=0
    return
  fi
  [ $rc = 0 ] || fail "netraid verify $TAG on $SRC exited $rc: $(tail -n1 <<< "$out")"
}
# check_legs: every target's data area byte-identical to the in-service leg.
check_legs() {
  local img off size src_md5 md5 t
  img=$(image "$SRC"); off=$(image_data_offset "$img") || exit 1
  size=$(msize "$SRC")
  src_md5=$(tail -c +$((off + 1)) "$img" | head -c "$size" | md5sum | cut -d' ' -f1)
  for t in $(targets); do
    local timg toff
    timg=$(image "$t"); toff=$(image_data_offset "$timg") || exit 1
    md5=$(tail -c +$((toff + 1)) "$timg" | head -c "$size" | md5sum | cut -d' ' -f1)
    if [ "$md5" != "$src_md5" ]; then
      DIVERGED=$((DIVERGED + 1))
      cmp -n "$size" -i "$off:$toff" "$img" "$timg" | head -n 1 | tee -a "$FLOG"
      fail "the legs of $SRC and $t differ after the resync"
    fi
  done
  log "    legs identical ($(echo $(targets)) = $SRC, md5 $src_md5)"
}

# cm_restore_any: the cluster manager tries restore on each live node by
# priority until one takes the mirror; every refusal's code is noted.
# Sets CM_NODE (or "") and REFUSED ("node:code ...").
cm_restore_any() {
  local n out rc order
  REFUSED=""
  order=$(for n in "$@"; do echo "${PRIO[$n]} $n"; done | sort -n | cut -d' ' -f2)
  for n in $order; do
    out=$(nr "$n" restore $TAG 2>&1); rc=$?
    echo "$out" | sed "s/^/      [$n restore] /" >> "$FLOG"
    if [ $rc = 0 ]; then CM_NODE=$n; log "    cluster manager: $TAG in service on $n${REFUSED:+ (refused: $REFUSED)}"; return 0; fi
    REFUSED+="$n:$rc "
  done
  CM_NODE=""
  log "    cluster manager: no node took $TAG (refused: $REFUSED)"
}
new_source() { SRC=$1; }

# inflight_evidence NODE (crashed): is the write in flight at the crash on
# NODE's leg, and is its bitmap chunk dirty there? (For the log: a returning
# leg's in-flight block must be covered by a dirty chunk, or a bitmap
# resync leaves the legs different there.)
inflight_evidence() {
  local img off blk
  img=$(image "$1"); off=$(image_data_offset "$img") || exit 1
  blk=$("$NRLOAD" check --dev "$img" --offset "$off" "${MAP[@]}" --seed "$WSEED" --blocks "$BLOCKS" --log "$ACKS" | sed -n 's/^in-flight write: seq [0-9]* in block \([0-9]*\)$/\1/p')
  if [ -z "$blk" ]; then log "    $1's leg: the in-flight write is not there"; return 0; fi
  log "    $1's leg: holds the in-flight write (block $blk); its bitmap chunk $((blk * 4096 / CHUNK)) is $(python3 - "$img" $((blk * 4096 / CHUNK)) <<'PY'
import struct, sys
f = open(sys.argv[1], "rb")
f.seek(4096); sb = f.read(4096)
boff = 4096 + 512 * struct.unpack_from("<i", sb, 96)[0]
c = int(sys.argv[2]); f.seek(boff + 256 + c // 8)
print("dirty" if f.read(1)[0] >> (c % 8) & 1 else "CLEAN")
PY
) on disk"
}

# --- the faults. Each starts with the writer running on SRC and every leg in sync.
dwell() { rnd $(($2 - $1 + 1)); sleep $(($1 + R)); }
PCMK() { [ "$MANAGER" = pacemaker ]; }

f_target-crash() {
  pick_target
  log "  crash $T; $SRC keeps writing"
  crash_node "$T"
  dwell 2 8
  wait_leg_failed
  writer_stop; before_trigger
  boot_node "$T"
  reconnect
  settle partial
}

# pm_takeover OLD: under Pacemaker, after the source OLD crashed: the
# cluster fences it and promotes a copy; the driver learns which from
# crm_mon. The in-sync target with the best score is expected (a note if
# not: any in-sync copy is allowed).
pm_takeover() {
  local old="$1" best
  best=$(for n in $(targets); do echo "${PRIO[$n]} $n"; done | sort -n | head -n1 | cut -d' ' -f2)
  pm_wait_promoted 240 "" "$old"
  log "    Pacemaker: fenced $old, promoted $PM_PROMOTED$([ "$PM_PROMOTED" != "$best" ] && echo " (NOTE: $best has the better score)")"
  CM_NODE=$PM_PROMOTED
}

f_source-crash() {
  local old=$SRC
  log "  crash the source $old under load"
  crash_node "$old"; writer_crashed
  inflight_evidence "$old"
  if PCMK; then
    pm_takeover "$old"
  else
    CM_NODES=$(targets | tr '\n' ' ')
    cm_restore_any $CM_NODES
  fi
  [ -n "$CM_NODE" ] || fail "no target took $TAG over after the source $old crashed in sync (refused: $REFUSED)"
  new_source "$CM_NODE"
  writer_start
  dwell 2 8
  writer_stop; before_trigger
  boot_node "$old"
  reconnect
  settle partial
}

f_link-cut() {
  pick_target
  log "  cut the link $SRC <-> $T under load"
  lab cut "$SRC" "$T" 2> /dev/null
  dwell 2 12
  writer_stop; before_trigger
  lab heal 2> /dev/null
  reconnect
  settle partial
}

f_netem() {
  pick_target
  local spec=("delay 40ms 20ms loss 3% reorder 25% 50%" "delay 100ms loss 10%" "loss 30%" "delay 20ms 10ms reorder 50% 50% duplicate 2%")
  rnd ${#spec[@]}
  local which=$R node
  rnd 2; [ $R = 0 ] && node=$T || node=$SRC
  log "  netem on $node: ${spec[$which]}"
  # shellcheck disable=SC2086
  lab netem "$node" ${spec[$which]} 2> /dev/null || fail "netem refused"
  dwell 4 10
  lab netem "$node" off 2> /dev/null
  writer_stop; before_trigger
  reconnect
  settle partial
}

f_pause-resume() {
  pick_target
  log "  pause $T under load"
  nr "$SRC" pause $TAG "$T" > "$OUT/pass.out" 2>&1 || fail "pause $T failed: $(tail -n1 "$OUT/pass.out")"
  dwell 2 8
  writer_stop; before_trigger
  nr "$SRC" resume $TAG "$T" >> "$OUT/pass.out" 2>&1 || fail "resume $T failed: $(tail -n1 "$OUT/pass.out")"
  settle partial
}

f_switchover() {
  pick_target
  local old=$SRC via
  log "  planned switchover $old -> $T (the application stops first)"
  writer_stop
  if PCMK; then
    # The operator's move (docs/pacemaker.md): Pacemaker demotes $old
    # (remove) and promotes $T (restore, the switchover rule).
    SRC=$T; before_trigger; SRC=$old
    if [ "$LOAD" = fsync ]; then
      on "$T" crm resource move fs "$T" > /dev/null
    else
      on "$T" crm_resource --move --resource nr --node "$T" --promoted > /dev/null
    fi
    pm_wait_promoted 240 "$T"
    if [ "$LOAD" = fsync ]; then on "$T" crm resource clear fs > /dev/null; else on "$T" crm_resource --clear --resource nr > /dev/null; fi
    log "    Pacemaker: demoted $old, promoted $T"
  else
    nr "$old" remove $TAG > "$OUT/pass.out" 2>&1 || fail "remove on $old failed: $(tail -n1 "$OUT/pass.out")"
    SRC=$T; before_trigger
    nr "$T" restore $TAG >> "$OUT/pass.out" 2>&1 || fail "restore on $T after a clean remove on $old failed: $(tail -n1 "$OUT/pass.out")"
  fi
  new_source "$T"
  settle partial
}

# A resync copying slowly: the target was away while the writer dirtied
# chunks, comes back at a speed limit of 2000 KB/s.
slow_resync_start() {
  pick_target
  log "  crash $T, write, bring it back at a resync speed of 2000 KB/s"
  crash_node "$T"
  dwell 4 8
  wait_leg_failed
  # Writes go to the source's leg alone now: let 600 of them dirty a few
  # hundred chunks. Not "until 100 chunks are dirty on disk": right after
  # the crash the bits of writes both legs got are still set (md clears them
  # a few seconds later), and the writer may stay blocked 10-20 s after md
  # failed the leg (its superblock write to the dead NBD device times out).
  local i a0
  a0=$(acked)
  for i in $(seq 60); do [ "$(acked)" -ge $((a0 + 600)) ] && break; sleep 1; done
  writer_stop
  nr "$SRC" set $TAG --speed-limit 1000 --speed-limit-min 500 > /dev/null || fail "set --speed-limit failed"
  before_trigger
  log "    $DIRTY dirty chunks to resync"
  boot_node "$T"
  reconnect
  # Under Pacemaker the agent reconnects T once its instance started there
  # (the node boots, joins the cluster, is probed): allow that.
  for i in $(seq $(PCMK && echo 360 || echo 40)); do [ "$(flag "$T" sync_state)" = resyncing ] && break; sleep 0.5; done
  [ "$(flag "$T" sync_state)" = resyncing ] || fail "$T is not resyncing after the pass: $(flag "$T" sync_state)"
  dwell 1 3
  AT=$(try_on "$SRC" cat /proc/mdstat | awk -v d="$(basename "$(legdev "$SRC")")[" '/^md/ { f = index($0, d) > 0; next } f && /recovery =/ { sub(/.*recovery = */, ""); sub(/%.*/, "%"); print; exit }')
  [ -n "$AT" ] || fail "harness: $T's resync of $DIRTY chunks at 1000 KB/s ended before the crash"
  log "    $T at $AT of its resync"
}
f_target-crash-in-resync() {
  slow_resync_start
  log "  crash $T in the middle of its resync"
  crash_node "$T"
  wait_leg_failed
  nr "$SRC" set $TAG --speed-limit 0 --speed-limit-min 0 > /dev/null || fail "set --speed-limit 0 failed"
  before_trigger
  boot_node "$T"
  reconnect
  settle partial
}
f_source-crash-in-resync() {
  slow_resync_start
  local old=$SRC half=$T via i
  log "  crash the source $old while $half is half-resynced"
  crash_node "$old"
  if PCMK; then
    # Scenario 2 (docs/pacemaker.md): the half-resynced copy gets no score
    # and is never promoted; another in-sync copy may be.
    local others; others=$(targets | grep -vx "$half" | tr '\n' ' ')
    if [ -n "$others" ]; then
      pm_wait_promoted 240 "" "$half" "$old"
      CM_NODE=$PM_PROMOTED
      log "    Pacemaker: fenced $old, promoted $CM_NODE, not the half-resynced $half"
    else
      for i in $(seq 360); do [ "$(fence_count "$old")" -gt "${FENCE_MARK[$old]}" ] && break; sleep 0.5; done
      [ "$(fence_count "$old")" -gt "${FENCE_MARK[$old]}" ] || fail "the cluster did not fence the crashed source $old within 180 s"
      # Pacemaker would have promoted $half by now, were it going to.
      for i in $(seq 30); do
        via=$(pm_view)
        [ -n "$via" ] && [ -n "$(promoted_node "$via")" ] && fail "Pacemaker promoted $(promoted_node "$via"), the half-resynced copy on $half (rule 4)"
        sleep 1
      done
      [ -z "$(cib_score "$half" "$half")" ] || fail "the half-resynced $half has a promotion score: $(cib_score "$half" "$half")"
      try_on "$half" grep -q "$(basename "$(legdev "$half")")\[" /proc/mdstat && fail "$half assembled its half-resynced copy"
      log "    Pacemaker: fenced $old; the half-resynced $half has no score and stays unpromoted ($(nr "$half" promotion $TAG 2> /dev/null | sed -n 's/^NETRAID_REASON=//p'))"
      CM_NODE=""
    fi
  else
    CM_NODES=$(targets | tr '\n' ' ')
    cm_restore_any $CM_NODES
    [ "$CM_NODE" = "$half" ] && fail "the half-resynced copy on $half was brought into service"
    if [ -z "$CM_NODE" ] || [ "${PRIO[$half]}" -lt "${PRIO[$CM_NODE]}" ]; then
      [[ " $REFUSED " == *" $half:15 "* ]] || fail "$half's restore was not refused as half-resynced (15): $REFUSED"
    fi
  fi
  if [ -z "$CM_NODE" ]; then
    log "    nobody may take over: boot $old$(PCMK && echo ' (the operator powers it on; Pacemaker promotes it again)' || echo ' and restore there')"
    # its restore resumes the half-done resync. Under Pacemaker the promote
    # follows the boot by itself: measure first (from the disk image).
    if PCMK; then SRC=$old; before_trigger; boot_node "$old"; else boot_node "$old"; SRC=$old; before_trigger; fi
    if PCMK; then
      pm_wait_promoted 300 "$old" "$half"
    else
      cm_restore_any "$old"
      [ "$CM_NODE" = "$old" ] || fail "restore on the returning source $old failed (refused: $REFUSED)"
    fi
    nr "$SRC" set $TAG --speed-limit 0 --speed-limit-min 0 > /dev/null || fail "set --speed-limit 0 failed"
    reconnect
    settle any
  else
    new_source "$CM_NODE"
    nr "$SRC" set $TAG --speed-limit 0 --speed-limit-min 0 > /dev/null || fail "set --speed-limit 0 failed"
    before_trigger
    boot_node "$old"
    reconnect
    settle any
  fi
}

f_blank-disk() {
  pick_target
  log "  $T's disk comes back blank"
  crash_node "$T"
  local img; img=$(image "$T")
  rm -f "$img" && truncate -s 128M "$img"
  wait_leg_failed
  writer_stop; before_trigger
  boot_node "$T"
  reconnect
  settle "full:blank disk" "$T"
}

f_monitor-killed() {
  pick_target
  log "  kill -9 the monitor on $SRC; crash and boot $T; a new monitor must resync it alone"
  on "$SRC" sh -c 'kill -9 "$(cat /run/netraid/monitor.pid)"'
  crash_node "$T"
  dwell 2 6
  wait_leg_failed
  writer_stop; before_trigger
  boot_node "$T"
  sleep 3
  [[ "$(mhealth "$SRC")" == *_* ]] || fail "$T came back into the array with no monitor and no resync pass"
  start_monitors "$SRC"
  wait_healthy "$SRC" $TAG 120
  settle partial
}

f_both-crash() {
  local old=$SRC n order=() first
  log "  crash every system under load"
  for n in $ALL_NODES; do [ -z "${GONE[$n]:-}" ] && crash_node "$n"; done
  writer_crashed
  inflight_evidence "$old"
  for n in $ALL_NODES; do [ -z "${GONE[$n]:-}" ] && order+=("$n"); done
  rnd ${#order[@]}; first=${order[$R]}
  FENCE_MARK=()   # no quorate survivor to fence anyone
  PCMK && { SRC=$old; before_trigger; }   # the promote re-adds the targets: measure before the boots
  boot_node --no-fencing "$first"
  dwell 0 3
  for n in "${order[@]}"; do [ "$n" != "$first" ] && boot_node --no-fencing "$n"; done
  log "    booted $first first, then the others"
  if PCMK; then
    # DataKeeper's Scenarios 3 and 4 under Pacemaker: only the last source
    # may be promoted; every other copy waits for it (no score).
    local forbidden=()
    for n in $MNODES; do [ "$n" != "$old" ] && forbidden+=("$n"); done
    pm_wait_promoted 420 "$old" "${forbidden[@]}"
    log "    Pacemaker: promoted the last source $old"
  else
    SRC=$old; before_trigger
    cm_restore_any $(for n in "${order[@]}"; do [[ " $MNODES " == *" $n "* ]] && echo "$n"; done)
    [ "$CM_NODE" = "$old" ] || fail "after every system crashed, $TAG went in service on '${CM_NODE:-nobody}', not on its last source $old (refused: $REFUSED)"
  fi
  reconnect
  settle partial
}

f_cut-then-source-crash() {
  pick_target
  local old=$SRC stale=$T i
  log "  cut $old <-> $stale; $old writes on; once $stale knows it is out of sync, $old crashes"
  lab cut "$old" "$stale" 2> /dev/null
  for i in $(seq 120); do [ "$(flag "$stale" sync_state)" = out_of_sync ] && break; sleep 0.5; done
  [ "$(flag "$stale" sync_state)" = out_of_sync ] || fail "$stale was not told out_of_sync within 60 s of the cut"
  dwell 1 4
  crash_node "$old"; writer_crashed
  inflight_evidence "$old"
  lab heal 2> /dev/null
  CM_NODES=$(targets | tr '\n' ' ')
  cm_restore_any $CM_NODES
  [ "$CM_NODE" = "$stale" ] && fail "the stale copy on $stale was brought into service"
  if [ -z "$CM_NODE" ] || [ "${PRIO[$stale]}" -lt "${PRIO[$CM_NODE]}" ]; then
    [[ " $REFUSED " == *" $stale:11 "* ]] || fail "$stale's restore was not refused as stale (11): $REFUSED"
  fi
  if [ -z "$CM_NODE" ]; then
    boot_node "$old"
    SRC=$old; before_trigger   # its restore resyncs the stale target
    cm_restore_any "$old"
    [ "$CM_NODE" = "$old" ] || fail "restore on the returning source $old failed (refused: $REFUSED)"
  else
    new_source "$CM_NODE"
    before_trigger
    boot_node "$old"
  fi
  reconnect
  settle partial
}

f_unextend-extend() {
  pick_target
  log "  unextend $T under load, then extend it again"
  nr "$SRC" unextend $TAG "$T" > "$OUT/pass.out" 2>&1 || fail "unextend $T failed: $(tail -n1 "$OUT/pass.out")"
  GONE[$T]=1
  dwell 2 6
  nr "$SRC" extend $TAG --target "$T" --priority "${PRIO[$T]}" --target-device "$(legdev "$T")" >> "$OUT/pass.out" 2>&1 || fail "extend $T failed: $(tail -n1 "$OUT/pass.out")"
  unset "GONE[$T]"
  writer_stop; DIRTY=0; nbd_baseline "$SRC"; mark_logs
  echo "$TAG: $T: add (full resync): extended again (initial sync)" >> "$OUT/pass.out"
  settle "full:extended again" "$T"
}

# --- the self-tests: the checks must be able to fail.
self_test() {
  local img off out rc blk t
  step "self-test 1: one acknowledged block flipped on the in-service copy ($SRC) is reported"
  writer_stop
  img=$(image "$SRC"); off=$(image_data_offset "$img") || exit 1
  cp --sparse=always "$img" "$OUT/selftest.img"
  out=$("$NRLOAD" check --dev "$OUT/selftest.img" --offset "$off" "${MAP[@]}" --seed "$WSEED" --blocks "$BLOCKS" --log "$ACKS" --flip-acked); rc=$?
  rm -f "$OUT/selftest.img"
  echo "$out" | sed 's/^/    /'
  blk=$(sed -n 's/^FLIPPED block \([0-9]*\):.*/\1/p' <<< "$out")
  [ $rc = 1 ] && [ -n "$blk" ] && grep -q "^LOST block $blk:" <<< "$out" || fail "self-test 1: the checker did not report the flipped block (exit $rc)"

  if [ "$MANAGER" = pacemaker ]; then
    step "self-test 2 (a wiped bitmap merge) needs --manager driver: not run"
    writer_start
    return 0
  fi
  step "self-test 2: a resync whose bitmap merge had nothing to merge leaves the legs different, and the checks say so"
  # netraid has no switch to turn the merge off; its input is wiped instead:
  # the returning old source's bitmap bits, on its disk image, while it is down.
  t=$(targets | head -n1)
  local old=$SRC
  # No monitor on $old: it would tell $t it is out of sync, and $t would
  # (rightly) refuse to take over.
  on "$old" sh -c 'kill "$(cat /run/netraid/monitor.pid)"'
  writer_start; sleep 2
  lab cut "$old" "$t" 2> /dev/null
  sleep 3
  wait_leg_failed
  writer_stop
  # The writer's own writes alone may all land in chunks $t's copy of the
  # bitmap already marks (md wrote it to both legs before the cut), and then
  # even a wiped merge resyncs them. One block far from the writer's area,
  # written by $old alone, is in a chunk $t has clean: only the merge could
  # bring it over.
  [ "$LOAD" = direct ] && on "$old" dd if=/dev/urandom of="$DEV" bs=4k count=1 seek=$((96 * 256)) oflag=direct,dsync status=none
  lab crash "$old" > /dev/null
  lab heal 2> /dev/null
  cm_restore_any "$t"
  [ "$CM_NODE" = "$t" ] || fail "self-test 2: $t did not take over (refused: $REFUSED)"
  new_source "$t"
  python3 "$CAMPAIGN_DIR/md-bitmap-image.py" clear "$(image "$old")" || fail "self-test 2: could not clear the bitmap"
  lab boot "$old" > /dev/null; start_monitors "$old"
  nr "$SRC" resync $TAG > "$OUT/pass.out" 2>&1
  sed 's/^/    /' "$OUT/pass.out" | grep -i 'merg\|add\|resync' || true
  nr "$SRC" wait $TAG --timeout 300 > /dev/null || fail "self-test 2: no in-sync mirror after the resync"
  # The acknowledged writes n1 made alone are lost on n2 by design here
  # (DataKeeper's Scenario 1 without the out_of_sync news); what must fire
  # is the leg comparison, in a subshell, and verify.
  out=$( (check_legs) 2>&1 ); rc=$?
  echo "$out" | tail -n 3 | sed 's/^/    /'
  [ $rc != 0 ] && grep -q "legs of $SRC and $old differ" <<< "$out" || fail "self-test 2: the leg comparison did not report the divergence (exit $rc)"
  out=$(nr "$SRC" verify $TAG --no-regions 2>&1); rc=$?
  echo "    verify: $(tail -n1 <<< "$out")"
  [ $rc = 1 ] || fail "self-test 2: netraid verify exited $rc on diverged legs, expected 1"
  step "self-test 2: repaired by a full resync of $old"
  nr "$SRC" fullresync $TAG "$old" > /dev/null 2>&1 || fail "fullresync $old failed"
  nr "$SRC" wait $TAG --timeout 300 > /dev/null || fail "fullresync $old did not finish"
  check_legs > /dev/null
  # A new epoch of the load: the writes n1 made alone were discarded by
  # design, so the rest of the run checks a fresh ack log of another seed.
  mv "$ACKS" "$OUT/acks.selftest.log"
  WSEED=$((SEED + 1000000))
  writer_start
}

# check_other M: topology n+1, after a fault on the other mirror: M's writer
# stopped (or, if its source crashed with the fault, M restored by the
# cluster manager as after any source crash), M in sync again, then checks
# 1, 2 and 4 on it (no resync accounting: the fault was not M's).
check_other() {
  use_mirror "$1"
  if [ -n "$WRITER_ON" ] && [ -n "${CRASHED[$WRITER_ON]:-}" ]; then
    log "  $TAG: its source $WRITER_ON crashed with this fault: the cluster manager restores $TAG"
    writer_crashed
    cm_restore_any $MNODES
    [ -n "$CM_NODE" ] || fail "no node took $TAG over after its source crashed (refused: $REFUSED)"
    new_source "$CM_NODE"
  else
    writer_stop
  fi
  DIRTY=0; NBD_BASE=(); mark_logs; : > "$OUT/pass.out"
  resync_pass
  log "  $TAG (not the fault's mirror): source $SRC"
  settle checks
  writer_start
}

# --- the run
trap campaign_exit EXIT
step "seed $SEED, $FAULTS faults, topology $TOPO, manager $MANAGER, kinds: ${KIND_LIST[*]}; output in $OUT"
echo "seed $SEED faults $FAULTS topology $TOPO manager $MANAGER kinds ${KIND_LIST[*]}" > "$FLOG"
echo "replay: $REPLAY" >> "$FLOG"
if [ "$TOPO" = n+1 ]; then
  lab_up 3 --disks 128M,128M
  trap campaign_exit EXIT
  netraid_lab_setup
  step "mirrors: alpha n1 -> n3:/dev/ubda, beta n2 -> n3:/dev/ubdb, raw, chunk $CHUNK_KIB KiB; monitors on every node; a writer on each source"
  nr n1 create alpha --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create alpha failed"
  nr n1 extend alpha --target n3 --priority "${PRIO[n3]}" > /dev/null || fail "extend alpha to n3 failed"
  nr n2 create beta --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create beta failed"
  nr n2 extend beta --target n3 --target-device /dev/ubdb --priority "${PRIO[n3]}" > /dev/null || fail "extend beta to n3:/dev/ubdb failed"
  TAG=alpha wait_synced n1
  TAG=beta wait_synced n2
  start_monitors $ALL_NODES
  for m in "${MIRRORS[@]}"; do use_mirror "$m"; writer_start; done
elif [ "$MANAGER" = pacemaker ]; then
  pcmk_lab_up "$TOPO" 128M
  trap campaign_exit EXIT
  step "mirror $TAG: n1 -> $(echo $ALL_NODES | cut -d' ' -f2-), raw, chunk $CHUNK_KIB KiB$([ "$LOAD" = fsync ] && echo ", ext4 made on it"); then Pacemaker: the promotable clone$([ "$LOAD" = fsync ] && echo " + Filesystem on $MNT"), fencing (stonith-action off)"
  nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB > /dev/null || fail "create failed"
  for n in $ALL_NODES; do
    [ "$n" = n1 ] || nr n1 extend $TAG --target "$n" --priority "${PRIO[$n]}" > /dev/null || fail "extend to $n failed"
  done
  wait_synced n1
  MD=$(nr n1 status $TAG --json 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["mirrors"][0]["md_device"])')
  MD=$(try_on n1 readlink -f "$MD")
  [ -n "$MD" ] || fail "no md device of $TAG on n1"
  [ "$LOAD" = fsync ] && on n1 mkfs.ext4 -q "$MD"
  # stonith-action off: a fenced node stays off until the operator (the
  # driver) powers it on; with reboot it may be back before the promote
  # and the failover turns into a refusal (docs/pacemaker.md).
  if [ "$LOAD" = fsync ]; then pcmk_configure "$ALL_NODES"; else pcmk_configure "$ALL_NODES" --no-fs; fi
  on n1 crm_attribute -t crm_config -n stonith-action -v off > /dev/null
  pm_wait_promoted 180 n1
  standing_by() {
    local t
    [ "$(unpromoted_nodes n1)" = "$(echo $ALL_NODES | cut -d' ' -f2-)" ] || return 1
    for t in $(targets); do [ -n "$(cib_score n1 "$t")" ] || return 1; done
  }
  wait_for "every copy standing by with a promotion score" 120 standing_by
  echo "    crm_mon: nr promoted on $(promoted_node n1), unpromoted on $(unpromoted_nodes n1); scores: $(for n in $ALL_NODES; do printf '%s %s ' "$n" "$(cib_score n1 "$n")"; done)"
  [ "$LOAD" = fsync ] && load_file_map
  writer_start
else
  lab_up "$TOPO" --disks 128M
  trap campaign_exit EXIT
  netraid_lab_setup
  CM_NODES="$ALL_NODES"
  step "mirror $TAG: n1 -> $(echo $ALL_NODES | cut -d' ' -f2-), $([ "$LOAD" = fsync ] && echo "ext4 on $MNT" || echo raw), chunk $CHUNK_KIB KiB; monitors on every node; writer on n1"
  MOUNT_ARGS=()
  [ "$LOAD" = fsync ] && MOUNT_ARGS=(--mount "$MNT" --fstype ext4)
  nr n1 create $TAG --local /dev/ubda --chunk $CHUNK_KIB "${MOUNT_ARGS[@]}" > /dev/null || fail "create failed"
  for n in $ALL_NODES; do
    [ "$n" = n1 ] || nr n1 extend $TAG --target "$n" --priority "${PRIO[$n]}" > /dev/null || fail "extend to $n failed"
  done
  wait_synced n1
  [ "$LOAD" = fsync ] && load_file_map
  start_monitors $ALL_NODES
  writer_start
fi
sleep 3
for m in "${MIRRORS[@]}"; do
  use_mirror "$m"
  [ "$(acked)" -gt 0 ] || fail "the writer of $TAG acknowledged nothing in 3 s: $(try_on "$SRC" cat "/var/log/netraid/nrload-$TAG.log")"
done
step "writer(s): $(acked_all) writes acknowledged in 3 s"
[ $SELFTEST = 1 ] && self_test

T0=$SECONDS
for FAULT_NO in $(seq 1 "$FAULTS"); do
  rnd ${#KIND_LIST[@]}
  [ $INORDER = 1 ] && R=$(((FAULT_NO - 1) % ${#KIND_LIST[@]}))
  KIND=${KIND_LIST[$R]}
  if [ ${#MIRRORS[@]} -gt 1 ]; then rnd ${#MIRRORS[@]}; use_mirror "${MIRRORS[$R]}"; fi
  CRASHED=()
  t0=$SECONDS
  step "fault $FAULT_NO/$FAULTS: $KIND$([ ${#MIRRORS[@]} -gt 1 ] && echo " of mirror $TAG") (source $SRC, $(acked_all) writes acknowledged)"
  echo "fault $FAULT_NO $KIND mirror=$TAG source=$SRC acked=$(acked_all)" >> "$FLOG"
  dwell 1 5   # under load until the fault
  "f_$KIND"
  writer_start
  FAULT_TAG=$TAG
  for m in "${MIRRORS[@]}"; do [ "$m" != "$FAULT_TAG" ] && check_other "$m"; done
  use_mirror "$FAULT_TAG"
  COUNT[$KIND]=$((${COUNT[$KIND]:-0} + 1))
  SECS[$KIND]=$((${SECS[$KIND]:-0} + SECONDS - t0))
  log "  fault $FAULT_NO $KIND passed in $((SECONDS - t0)) s"
done
for m in "${MIRRORS[@]}"; do use_mirror "$m"; writer_stop; done
step "summary"
{
  echo "campaign seed $SEED, topology $TOPO, manager $MANAGER, load $LOAD, $FAULTS faults in $((SECONDS - T0)) s"
  printf '  %-24s %6s %12s\n' "fault kind" count "s per fault"
  for k in "${KIND_LIST[@]}"; do
    [ -n "${COUNT[$k]:-}" ] && printf '  %-24s %6d %12d\n' "$k" "${COUNT[$k]}" $((SECS[$k] / COUNT[$k]))
  done | sort -u
  echo "  acknowledged writes: $(acked_all) in all$([ ${#MIRRORS[@]} -gt 1 ] && for m in "${MIRRORS[@]}"; do printf ', %s %s' "$m" "$(wc -l < "$(mirror_acks "$m")")"; done); checks: $CHECKS (acked writes checked, summed over checks: $ACKED_CHECKED)"
  echo "  lost acknowledged writes: $LOST"
  echo "  diverged legs: $DIVERGED"
  echo "  writer stops over 60 s (a write held that long): $SLOW_STOPS$([ $SLOW_STOPS -gt 0 ] && echo ", the longest $SLOWEST_STOP s")"
  [ "$MANAGER" = pacemaker ] && echo "  nodes fenced by the cluster that the driver had not crashed (powered on again): $UNEXPECTED_FENCES"
  echo "  full resyncs: $FULL"
  [ -n "$FULL_WHY" ] && printf '%s' "$FULL_WHY"
  [ $RATIO_N -gt 0 ] && echo "  mean resync bytes / dirty bytes: $(awk -v s="$RATIO_SUM" -v n=$RATIO_N 'BEGIN {printf "%.3f", s / n}') over $RATIO_N partial resyncs"
} | tee -a "$FLOG" | tee "$OUT/summary.txt"
echo "PASS campaign seed $SEED ($FAULTS faults, topology $TOPO, manager $MANAGER)"
