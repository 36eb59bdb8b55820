# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the failover-scenarioN.sh lab tests (sourced after lib.sh; not a
# test itself, so it lives outside tests/lab/*.sh). It holds the flag checks
# and the "cluster manager" of the lab: test code that decides who runs
# restore after a node died, by priority, as LifeKeeper would. Not a product.

TAG=datarep
CHUNK_KIB=64
FLAGDIR=/opt/LifeKeeper/subsys/scsi/resources/netraid

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

# The NBD device NODE uses for target TARGET.
nbd_of() {
  try_on "$1" cat /run/netraid/$TAG.legs.json | tr ',{}' '\n\n\n' | sed -n "s/.*\"$2\": *\"\\(\\/dev\\/nbd[0-9]*\\)\".*/\\1/p"
}
# Dirty chunks in the bitmap of DEV on NODE (read past the page cache).
dirty_chunks() {
  try_on "$1" blockdev --flushbufs "$2" > /dev/null 2>&1
  try_on "$1" mdadm --examine-bitmap "$2" | sed -n 's/.* \([0-9]*\) dirty.*/\1/p'
}

# The cluster manager: NODE died; the surviving system with the best
# (lowest) priority runs restore. Prints the node it chose; the caller
# checks restore's outcome (exit status and output in $CM_OUT, $CM_RC).
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

# The array on NODE runs on one of its two legs ("[U_]" or "[_U]": slot order).
expect_degraded() {
  case "$(md_health "$1")" in
    "[U_]" | "[_U]") echo "    $1: md0 degraded $(md_health "$1")" ;;
    *) fail "expected md0 on $1 degraded on one leg, /proc/mdstat shows '$(md_health "$1")'" ;;
  esac
}

# standard_mirror MIB: mirror $TAG n1 -> n2 with ext4 on /mnt, in sync, and
# MIB MiB of files in /mnt/base with their checksums in $SHARED/sums.base.
standard_mirror() {
  nr n1 create $TAG --local /dev/ubda --mount /mnt --chunk $CHUNK_KIB > /dev/null || fail "create failed"
  nr n1 extend $TAG --target n2 > /dev/null || fail "extend failed"
  wait_synced n1
  make_pattern "$SHARED/base" "$1"
  on n1 sh -c 'cp "$1/base" /mnt/base && sync' sh "$SHARED"
  ( cd "$SHARED" && md5sum base > sums.base )
}

# wait_synced NODE: the mirror on NODE has every target in sync. `wait`
# itself records it and tells the targets (flags): no monitor, no pass.
wait_synced() {
  nr "$1" wait $TAG --timeout 300 > /dev/null || fail "$TAG on $1 did not get in sync"
}
