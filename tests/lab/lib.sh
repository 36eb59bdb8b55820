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

# expect_partial_resync WHAT BYTES DISK [MIN] [MAX_CHUNKS CHUNK_BYTES]: a
# resync that wrote BYTES to a leg of a DISK-byte array was partial (under a
# quarter of the disk), copied at least MIN bytes (what is known to differ)
# and at most what MAX_CHUNKS bitmap chunks hold, with 10% + 1 MiB of slack
# for chunks dirtied while it ran.
expect_partial_resync() {
  local what="$1" bytes="$2" disk="$3" min="${4:-0}" max_chunks="${5:-}" chunk="${6:-}"
  [ "$bytes" -ge "$min" ] || fail "$what: resynced $bytes bytes, less than the $min bytes that differed"
  if [ -n "$max_chunks" ]; then
    local max=$((max_chunks * chunk * 11 / 10 + (1 << 20)))
    [ "$bytes" -le "$max" ] || fail "$what: resynced $bytes bytes, more than the $max_chunks dirty chunks allow ($max)"
  fi
  [ "$bytes" -lt $((disk / 4)) ] || fail "$what: resynced $bytes of $disk bytes: not a partial resync"
}

# md's view of /proc/mdstat in NODE, e.g. "[UU]" or "[U_]" of md0.
md_health() { try_on "$1" cat /proc/mdstat | sed -n 's/.*\(\[[U_]*\]\).*/\1/p' | head -n1; }
expect_md_health() {
  local node="$1" want="$2" got
  got=$(md_health "$node")
  [ "$got" = "$want" ] || fail "expected md0 in $node to be $want, /proc/mdstat shows ${got:-nothing}"
}

# Data offset in bytes of an md member, from `mdadm --examine` (in sectors).
data_offset_bytes() {
  local node="$1" dev="$2" sectors
  sectors=$(try_on "$node" mdadm --examine "$dev" | sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p')
  [[ "$sectors" =~ ^[0-9]+$ ]] || fail "no Data Offset in mdadm --examine $dev on $node"
  echo $((sectors * 512))
}
array_size_bytes() { echo $(($(try_on "$1" cat /sys/block/md0/size) * 512)); }

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

# Bytes written to a block device of NODE so far (sectors written, /sys stat field 7).
bytes_written() { echo $(($(try_on "$1" cat "/sys/block/$2/stat" | awk '{print $7}') * 512)); }

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
  "remote_exec": {"argv": ["$LAB", "exec", "{host}", "--"], "shell_quote": false},
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

# The NBD leg ("nbd0") that NODE's netraid attached for TAG's first target.
nbd_leg() { try_on "$1" cat "/run/netraid/$2.legs.json" | sed -n 's/.*"\/dev\/\(nbd[0-9]*\)".*/\1/p' | head -n1; }
# `netraid monitor` in the background of NODE, logging to /var/log/netraid/monitor.log.
start_monitor() {
  on "$1" sh -c 'setsid "$1" monitor --interval 2 > /var/log/netraid/monitor.log 2>&1 < /dev/null & echo $! > /run/netraid/monitor.pid' sh "$NETRAID"
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
