# SPDX-License-Identifier: GPL-2.0-or-later
# Shared vocabulary of the lab tests (sourced, not run). A lab test reads like
# a story: bring nodes up, run commands in them, check md's state, compare legs.
# Every test gets a lab of its own (NETRAID_LAB = test name) and brings it down
# on any exit. A machine that cannot run the lab makes the test skip (77).

set -u
TESTS_LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE_DIR="$(cd "$TESTS_LAB_DIR/../.." && pwd)"
LAB="$SOURCE_DIR/lab/netraid-lab"
BUILD_DIR="${NETRAID_BUILD_DIR:-$SOURCE_DIR/build}"
export NETRAID_LAB="${NETRAID_LAB:-$(basename "$0" .sh)}"
# The mirror most tests make and where LifeKeeper keeps its flags; a test may
# set its own before sourcing this file.
: "${TAG:=datarep}" "${CHUNK_KIB:=64}" "${FLAGDIR:=/opt/LifeKeeper/subsys/scsi/resources/netraid}"

TEST_NAME="${NETRAID_LAB:-$(basename "$0" .sh)}"
step() { printf -- '--- %s [%3ds] %s\n' "$TEST_NAME" "$SECONDS" "$*"; }
fail() { echo "FAIL $TEST_NAME: $*" >&2; exit 1; }
skip() { echo "SKIP $TEST_NAME: $*"; exit 77; }

lab() { "$LAB" "$@"; }
# Run ARGV in NODE; fails the test with the command's stderr if it fails.
on() {
  local node="$1"; shift
  [ "${1:-}" = -- ] && shift
  lab exec "$node" -- "$@" || fail "in $node, '$*' exited $?"
}
# Same, but the caller looks at the exit status.
try_on() {
  local node="$1"; shift
  [ "${1:-}" = -- ] && shift
  lab exec "$node" -- "$@"
}

lab_up() {
  local why
  why=$(lab check) || skip "${why#netraid-lab: }"
  LAB_DIR="$(lab dir)"
  trap lab_teardown EXIT
  # The lab is named after the test: one still up is this test's own, left
  # by an earlier run that was killed before its teardown.
  if lab status > /dev/null 2>&1; then
    echo "--- $TEST_NAME: lab '$NETRAID_LAB' left up by an earlier run: bringing it down" >&2
    lab down > /dev/null || fail "could not bring down the lab '$NETRAID_LAB' an earlier run left up"
  fi
  lab up "$@" > /dev/null || fail "lab up $* failed"
  LAB_DIR="$(lab dir)"
  SHARED="$LAB_DIR/shared"
  mkdir -p "$SHARED"
}
lab_teardown() {
  local rc=$?
  if [ $rc != 0 ] && [ $rc != 77 ]; then
    echo "--- $TEST_NAME failed (exit $rc): last console lines of each node" >&2
    for c in "$LAB_DIR"/nodes/*/console.log; do
      [ -f "$c" ] && { echo "== $c" >&2; tail -n 15 "$c" >&2; }
    done
  fi
  lab down > /dev/null 2>&1 || echo "WARNING: lab $NETRAID_LAB did not come down cleanly" >&2
  exit $rc
}

# A file of N MiB of random bytes, visible to every node (the nodes' root is
# the host's /), so a node can write it and the host can check it.
make_pattern() {
  local path="$1" mib="$2"
  head -c "$((mib << 20))" /dev/urandom > "$path"
  [ "$(stat -c %s "$path")" = $((mib << 20)) ] || fail "could not make pattern $path"
}

# write_file NODE DIR NAME MIB: MIB MiB of random bytes as DIR/NAME on NODE,
# synced, with their checksum in $SHARED/sums.NAME.
write_file() {
  make_pattern "$SHARED/$3" "$4"
  on "$1" sh -c 'cp "$1/$3" "$2/$3" && sync' sh "$SHARED" "$2" "$3"
  ( cd "$SHARED" && md5sum "$3" > "sums.$3" )
}
# expect_files NODE DIR NAME...: DIR on NODE holds the files NAME... as written.
expect_files() {
  local node="$1" dir="$2"; shift 2
  try_on "$node" sh -c 'cd "$1" && shift && for s; do md5sum -c --quiet "$s" || exit 1; done' sh "$dir" "${@/#/$SHARED/sums.}" ||
    fail "files $* in $dir on $node are not what was written"
}

# md's view of /proc/mdstat in NODE, e.g. "[UU]" or "[U_]" of md0.
md_health() { try_on "$1" cat /proc/mdstat | sed -n 's/.*\(\[[U_]*\]\).*/\1/p' | head -n1; }
expect_md_health() {
  local node="$1" want="$2" got
  got=$(md_health "$node")
  [ "$got" = "$want" ] || fail "expected md0 in $node to be $want, /proc/mdstat shows ${got:-nothing}"
}

# Data offset in bytes of an md member, from `mdadm --examine` (in sectors).
# mdadm 4.2 prints no "Data Offset" for metadata 1.0 (superblock at the end,
# data from byte 0: a mirror made with create --existing-fs).
data_offset_bytes() {
  local node="$1" dev="$2" sectors examine
  examine=$(try_on "$node" mdadm --examine "$dev")
  sectors=$(sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p' <<< "$examine")
  if [ -z "$sectors" ] && grep -q '^ *Version : 1\.0$' <<< "$examine"; then sectors=0; fi
  [[ "$sectors" =~ ^[0-9]+$ ]] || fail "no Data Offset in mdadm --examine $dev on $node"
  echo $((sectors * 512))
}
# The data offset in bytes of the md member in a disk image on the host
# (a crashed node's leg, read without the node).
image_data_offset() {
  local s
  s=$(mdadm --examine "$1" 2> /dev/null | sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p')
  [[ "$s" =~ ^[0-9]+$ ]] || fail "no md superblock (Data Offset) in $1"
  echo $((s * 512))
}
array_size_bytes() { echo $(($(try_on "$1" cat /sys/block/md0/size) * 512)); }

# Dirty chunks in the bitmap of DEV on NODE (read past the page cache).
dirty_chunks() {
  try_on "$1" blockdev --flushbufs "$2" > /dev/null 2>&1
  try_on "$1" mdadm --examine-bitmap "$2" | sed -n 's/.* \([0-9]*\) dirty.*/\1/p'
}
# The array on NODE runs on one of its two legs ("[U_]" or "[_U]": slot order).
expect_degraded() {
  case "$(md_health "$1")" in
    "[U_]" | "[_U]") echo "    $1: md0 degraded $(md_health "$1")" ;;
    *) fail "expected md0 on $1 degraded on one leg, /proc/mdstat shows '$(md_health "$1")'" ;;
  esac
}

# Compare the data area of two legs byte for byte, from the host's view of the
# nodes' disk images (after the nodes flushed their caches with sync).
# Prints each leg's md5 so a reader of the log sees what was compared.
compare_legs() {
  local img1="$1" off1="$2" img2="$3" off2="$4" size="$5" what="$6"
  local md1 md2
  md1=$(tail -c +"$((off1 + 1))" "$img1" | head -c "$size" | md5sum | cut -d' ' -f1)
  md2=$(tail -c +"$((off2 + 1))" "$img2" | head -c "$size" | md5sum | cut -d' ' -f1)
  echo "    leg 1 $(basename "$(dirname "$img1")")/$(basename "$img1") md5 $md1"
  echo "    leg 2 $(basename "$(dirname "$img2")")/$(basename "$img2") md5 $md2"
  if [ "$md1" != "$md2" ]; then
    cmp -n "$size" -i "$off1:$off2" "$img1" "$img2" | head -n 1 >&2
    fail "legs differ ($what): first difference above"
  fi
}

# Bytes written to block device DEV (nbd0 or /dev/nbd0) of NODE so far (sectors, /sys stat field 7).
bytes_written() { echo $(($(try_on "$1" cat "/sys/block/${2#/dev/}/stat" | awk '{print $7}') * 512)); }
# NBD devices keep counting across detach and attach: count a resync to a leg
# that is yet to be attached from a baseline of every NBD device of NODE.
declare -gA NBD_BASE=()
nbd_baseline() {
  local node="$1" dev sectors
  while read -r dev sectors; do NBD_BASE[$node.$dev]=$((sectors * 512)); done < <(try_on "$node" \
    sh -c 'for d in /sys/block/nbd*; do echo "${d##*/} $(awk "{print \$7}" "$d/stat")"; done')
}
bytes_written_since_baseline() { echo $(($(bytes_written "$1" "$2") - ${NBD_BASE[$1.${2#/dev/}]:-0})); }

# expect_partial_resync WHAT BYTES DISK [MIN] [MAX_CHUNKS CHUNK_BYTES [SLACK]]:
# a resync that wrote BYTES to a leg of a DISK-byte array was partial (under a
# quarter of the disk), copied at least MIN bytes (what is known to differ)
# and at most what MAX_CHUNKS bitmap chunks hold plus 10% and SLACK bytes
# (default 1 MiB: chunks the source dirtied while the resync ran).
expect_partial_resync() {
  local what="$1" bytes="$2" disk="$3" min="${4:-0}" max_chunks="${5:-}" chunk="${6:-}" slack="${7:-$((1 << 20))}"
  [ "$bytes" -ge "$min" ] || fail "$what: resynced $bytes bytes, less than the $min bytes that differed"
  if [ -n "$max_chunks" ]; then
    local max=$((max_chunks * chunk * 11 / 10 + slack))
    [ "$bytes" -le "$max" ] || fail "$what: resynced $bytes bytes, more than the $max_chunks dirty chunks allow ($max)"
  fi
  [ "$bytes" -lt $((disk / 4)) ] || fail "$what: resynced $bytes of $disk bytes: not a partial resync"
}

# netraid in the lab: every node runs the build tree's netraid and reaches the
# others through the lab's exec channel (ssh into UML costs 10-27 s a command).
NETRAID="$BUILD_DIR/cli/netraid"
netraid_lab_setup() {
  [ -x "$NETRAID" ] || skip "netraid is not built at $NETRAID: run tools/setup first"
  local dir
  for dir in "$LAB_DIR"/nodes/*/; do
    mkdir -p "$dir/persist/etc-netraid"
    cat > "$dir/persist/etc-netraid/netraid.json" <<JSON
{
  "remote_exec": {"argv": ["$LAB", "exec", "{host}", "--stdin", "--"], "shell_quote": false},
  "remote_netraid": "$NETRAID"
}
JSON
  done
}
# `netraid ARGS` in NODE.
nr() { local node="$1"; shift; lab exec "$node" -- "$NETRAID" "$@"; }

# The NBD path of a mirror, built from stock parts (nbdkit's file plugin with
# every write forced to FUA, nbd-client) or from ours (nbdkit-netraid-plugin via
# `netraid serve --direct`, `netraid attach`): MIRROR_PARTS=stock|netraid.
MIRROR_PARTS="${MIRROR_PARTS:-stock}"
parts_name() { [ "$MIRROR_PARTS" = netraid ] && echo "netraid serve + netraid attach" || echo "stock nbdkit file + nbd-client"; }
# target_serve NODE TAG ALLOWED_ADDR: serve NODE's /dev/ubda as export TAG on port 10809.
target_serve() {
  local node="$1" tag="$2" allow="$3" addr
  addr=$(lab addr "$node")
  if [ "$MIRROR_PARTS" = netraid ]; then
    on "$node" "$NETRAID" serve "$tag" --device /dev/ubda --listen "$addr" --port 10809 --allow "$allow" --direct > /dev/null
  else
    # FUA on every write: a buffered target loses acknowledged writes when it
    # crashes, and md's bitmap cannot know (README, "Facts the lab established").
    on "$node" nbdkit -i "$addr" -p 10809 -P /run/nbdkit.pid -e "$tag" --filter=fua file file=/dev/ubda fuamode=force
  fi
}
target_stop() {
  local node="$1" tag="$2"
  if [ "$MIRROR_PARTS" = netraid ]; then
    on "$node" "$NETRAID" serve --stop "$tag" > /dev/null
  else
    on "$node" sh -c 'kill "$(cat /run/nbdkit.pid)"'
  fi
}
# source_attach NODE TARGET_NODE TAG /dev/nbdN
source_attach() {
  local node="$1" target="$2" tag="$3" dev="$4"
  if [ "$MIRROR_PARTS" = netraid ]; then
    on "$node" "$NETRAID" attach "$(lab addr "$target"):10809" "$tag" --device "$dev" --timeout 5 > /dev/null
  else
    on "$node" nbd-client "$(lab addr "$target")" 10809 "$dev" -N "$tag" -t 5 > /dev/null
  fi
}
source_detach() {
  local node="$1" dev="$2"
  if [ "$MIRROR_PARTS" = netraid ]; then
    on "$node" "$NETRAID" detach "$dev" > /dev/null
  else
    on "$node" nbd-client -d "$dev" > /dev/null
  fi
}

# nbd_of NODE TARGET: the NBD device ("/dev/nbdN") NODE's netraid attached for TARGET of mirror $TAG.
nbd_of() {
  try_on "$1" cat "/run/netraid/$TAG.legs.json" | tr ',{}' '\n\n\n' | sed -n "s/.*\"$2\": *\"\(\/dev\/nbd[0-9]*\)\".*/\1/p"
}
# export_uri NODE TARGET [PORT]: the libnbd URI under which NODE reaches
# TARGET's export of $TAG, with NODE's key of the mirror (TLS by default).
export_uri() {
  local id
  id=$(try_on "$1" cat "/etc/netraid/$TAG.psk" 2> /dev/null | tail -n1 | cut -d: -f1)
  if [ -n "$id" ]; then
    echo "nbds://$id@$(lab addr "$2"):${3:-10809}/$TAG?tls-psk-file=/etc/netraid/$TAG.psk"
  else
    echo "nbd://$(lab addr "$2"):${3:-10809}/$TAG"
  fi
}
# sync_and_compare SOURCE TARGET WHAT: both legs flushed, data areas equal.
sync_and_compare() {
  local src="$1" tgt="$2" what="$3" nbd
  nbd=$(nbd_of "$src" "$tgt")
  [ -n "$nbd" ] || fail "no NBD leg of $tgt recorded on $src"
  on "$src" sync
  on "$tgt" sync
  compare_legs "$(lab disk "$src")" "$(data_offset_bytes "$src" /dev/ubda)" \
    "$(lab disk "$tgt")" "$(data_offset_bytes "$src" "$nbd")" "$(array_size_bytes "$src")" "$what"
}
# `netraid monitor` in the background of NODE, logging to /var/log/netraid/monitor.log.
# `start_monitor NODE ARGS...` gives the monitor ARGS instead of --interval 2.
start_monitor() {
  local node="$1"; shift
  [ $# -gt 0 ] || set -- --interval 2
  on "$node" sh -c 'n="$1"; shift; setsid "$n" monitor "$@" > /var/log/netraid/monitor.log 2>&1 < /dev/null & echo $! > /run/netraid/monitor.pid' sh "$NETRAID" "$@"
}
stop_monitor() { on "$1" sh -c 'kill "$(cat /run/netraid/monitor.pid)"'; }
# Until `netraid status TAG` on NODE says healthy (exit 0), at most SECONDS.
wait_healthy() {
  local node="$1" tag="$2" seconds="$3" deadline=$((SECONDS + $3))
  until nr "$node" status "$tag" > /dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      try_on "$node" tail -n 20 /var/log/netraid/monitor.log >&2
      fail "mirror $tag on $node not in sync within $seconds s"
    fi
    sleep 1
  done
}
# wait_synced NODE: every target of the mirror on NODE in sync. `wait` itself
# records it and tells the targets (flags): no monitor, no pass.
wait_synced() {
  nr "$1" wait $TAG --timeout 300 > /dev/null || fail "$TAG on $1 did not get in sync"
}

# Failover: the flag files that LifeKeeper's scripts read and a stand-in for
# its cluster manager (test code, not a product).
# flag NODE NAME: the content of TAG_NAME on NODE ("" and exit 1 when absent).
flag() { try_on "$1" sh -c 'test -f "$1" && cat "$1"' sh "$FLAGDIR/${TAG}_$2"; }
expect_flag() {
  local node="$1" name="$2" want="$3" got
  got=$(flag "$node" "$name") || fail "${TAG}_$name is absent on $node (expected '$want')"
  [ "$got" = "$want" ] || fail "${TAG}_$name on $node is '$got', expected '$want'"
  echo "    $node: ${TAG}_$name = $got"
}
expect_no_flag() {
  local node="$1" name="$2" got
  if got=$(flag "$node" "$name"); then fail "${TAG}_$name is set on $node ('$got'), expected absent"; fi
  echo "    $node: ${TAG}_$name absent"
}
generation_of() { flag "$1" generation | sed -n 's/^current //p'; }

# cm_failover DEAD: the surviving node of $CM_NODES with the best (lowest)
# priority runs restore, as LifeKeeper would. Sets CM_NODE, CM_OUT, CM_RC.
cm_failover() {
  local dead="$1" n best="" best_prio=999 prio
  for n in $CM_NODES; do
    [ "$n" = "$dead" ] && continue
    prio=$(try_on "$n" cat /etc/netraid/$TAG.json | tr ',{}' '\n\n\n' | grep -A6 "\"host\": *\"$n\"" |
      sed -n 's/.*"priority": *\([0-9]*\).*/\1/p' | head -n1)
    [ -n "$prio" ] || prio=500
    if [ "$prio" -lt "$best_prio" ]; then best="$n"; best_prio="$prio"; fi
  done
  [ -n "$best" ] || fail "cluster manager: no surviving node to restore $TAG on"
  CM_NODE="$best"
  CM_OUT=$(nr "$best" restore "$TAG" 2>&1); CM_RC=$?
  echo "$CM_OUT" | sed "s/^/    [$best restore] /"
}

# expect_in_sync SOURCE TARGET: after a resync pass on SOURCE, both record
# TARGET in sync and TARGET has SOURCE's generation.
expect_in_sync() {
  nr "$1" resync $TAG > /dev/null || fail "resync pass on $1 failed"
  expect_flag "$1" targets "$2 in_sync"
  expect_flag "$2" sync_state in_sync
  [ "$(generation_of "$2")" = "$(generation_of "$1")" ] || fail "$2 did not take $1's generation"
}

# standard_mirror MIB: mirror $TAG n1 -> n2 with ext4 on /mnt, in sync, and
# MIB MiB in /mnt/base (write_file's "base").
standard_mirror() {
  nr n1 create $TAG --local /dev/ubda --mount /mnt --chunk $CHUNK_KIB > /dev/null || fail "create failed"
  nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
  wait_synced n1
  wait_bitmap_clean n1
  write_file n1 /mnt base "$1"
}
# md clears a bitmap bit a few daemon cycles (5 s each) after the last write
# to its chunk, so right after the initial sync every bit is still set on
# disk, and a crash then leaves every chunk to resync (restore keeps the
# bits dirty on disk: a write in flight may be behind any of them). Tests
# that measure a partial resync after a crash start from a clean bitmap.
wait_bitmap_clean() {
  local i
  for i in $(seq 60); do [ "$(dirty_chunks "$1" /dev/ubda)" = 0 ] && return 0; sleep 1; done
  fail "$1's bitmap still has $(dirty_chunks "$1" /dev/ubda) dirty chunk(s) 60 s after the sync"
}

# scenario1_failover [AGAIN]: DataKeeper Scenario 1 up to the old source's
# return, which Scenarios 1 and 2 go on from. n1 -> n2 in sync; n1 writes
# 8 MiB only it holds (link cut) and crashes; the cluster manager picks n2,
# which takes over and writes 4 MiB ("after"); n1 boots and its restore is
# refused. AGAIN (default: a plain restore) checks a second restore on n2.
# Sets G1, G2 (the generation before and after the takeover) and N1_DIRTY,
# N2_DIRTY (each side's dirty chunks when n1 is back).
scenario1_failover() {
  local out rc
  lab_up 2 --disks 256M
  netraid_lab_setup
  CM_NODES="n1 n2"

  step "mirror $TAG: n1 -> n2, ext4 on /mnt, in sync; 40 MiB of files with checksums"
  standard_mirror 40
  G1=$(generation_of n1)
  [ -n "$G1" ] || fail "no generation on n1 after create"
  expect_flag n1 last_owner n1
  expect_flag n1 source n1
  expect_flag n1 targets "n2 in_sync"
  expect_no_flag n2 last_owner
  expect_flag n2 source n1
  expect_flag n2 sync_state in_sync
  [ "$(generation_of n2)" = "$G1" ] || fail "n2's generation $(generation_of n2) is not n1's $G1"
  sleep 7  # md clears the bits of replicated writes lazily (daemon_sleep 5 s)

  step "writes in flight when n1 dies: the link drops, n1 writes 8 MiB only it holds, then crashes"
  lab cut n1 n2 > /dev/null
  make_pattern "$SHARED/inflight" 8
  on n1 sh -c 'dd if="$1/inflight" of=/mnt/inflight bs=1M conv=fsync status=none' sh "$SHARED"
  N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
  [[ "$N1_DIRTY" =~ ^[0-9]+$ ]] && [ "$N1_DIRTY" -ge $((8 * 1024 / CHUNK_KIB)) ] ||
    fail "expected at least $((8 * 1024 / CHUNK_KIB)) dirty chunks on n1, got '$N1_DIRTY'"
  echo "    n1's bitmap: $N1_DIRTY dirty chunks that n2 never received"
  lab crash n1 > /dev/null
  on n2 ip route del blackhole "$(lab addr n1)/32"

  step "cluster manager: n1 died, n2 (next priority) runs restore"
  cm_failover n1
  [ "$CM_NODE" = n2 ] || fail "cluster manager chose $CM_NODE, expected n2"
  [ "$CM_RC" = 0 ] || fail "restore on n2 failed (exit $CM_RC)"
  expect_flag n2 last_owner n2
  expect_flag n2 source n2
  [ "$(flag n2 generation | sed -n 's/^history //p' | cut -d' ' -f1)" = "$G1" ] || fail "n2 did not start a new generation after $G1"
  G2=$(generation_of n2)
  expect_degraded n2
  expect_files n2 /mnt base
  step "restore is idempotent on n2"
  if [ -n "${1:-}" ]; then "$1"; else nr n2 restore $TAG > /dev/null || fail "a second restore on n2 failed"; fi
  nr n2 quickcheck $TAG || fail "quickcheck on n2 says unhealthy"

  step "n2 writes 4 MiB as the new source"
  write_file n2 /mnt after 4

  step "n1 boots: restore there is refused (in service on n2) and drops n1's last_owner"
  lab boot n1 > /dev/null
  out=$(nr n1 restore $TAG 2>&1); rc=$?
  echo "    $out"
  [ $rc = 13 ] || fail "restore on n1 exited $rc, expected 13 (refused: in service elsewhere)"
  echo "$out" | grep -q "in service on n2" || fail "restore on n1 did not say why it refused"
  expect_no_flag n1 last_owner
  try_on n1 test -e /sys/block/md0/md/array_state && fail "n1 assembled md0 although it was refused"
  N1_DIRTY=$(dirty_chunks n1 /dev/ubda)
  N2_DIRTY=$(dirty_chunks n2 /dev/ubda)
  echo "    dirty chunks: n1 $N1_DIRTY (its own, unreplicated), n2 $N2_DIRTY (since it took over)"
  # When md set every bit at n2's assembly, its reason is in the kernel log.
  [ "$N2_DIRTY" -lt "$(( $(array_size_bytes n2) / (CHUNK_KIB * 1024) ))" ] ||
    try_on n2 dmesg | grep -i -B1 -A1 "bitmap" | sed 's/^/      n2 kernel: /'
}

# leg_map NODE MIB create|reload: /dev/dm-0 ("leg") on NODE, a linear map of
# the first MIB MiB of /dev/ubda; reload with a larger MIB grows it in place,
# as lvextend grows a logical volume (needs dm-mod loaded).
leg_map() {
  local table="0 $(($2 * 2048)) linear /dev/ubda 0"
  case "$3" in
    create) on "$1" dmsetup create leg --table "$table" ;;
    reload) on "$1" dmsetup reload leg --table "$table" && on "$1" dmsetup resume leg ;;
    *) fail "leg_map: $3 is neither create nor reload" ;;
  esac
}
