#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failover verbs and scripts given bad input: unknown tag, a system that is
# not part of the mirror, a torn flag file, force without confirmation,
# scripts without a tag or with an unknown action; a tag with a newline or
# longer than md keeps, speed limits with min > max, --json on failure; a FIFO
# where a flag, a config or a pid file belongs, a symlink planted at a temp
# name. Each: non-zero exit within a bound, one line naming the problem, and
# nothing changed (md state and flag files, the symlink's target).
. "$(dirname "$0")/lib.sh"

lab_up 2 --disks 64M
netraid_lab_setup

step "mirror $TAG on n1 (no target), in service"
nr n1 create $TAG --local /dev/ubda --mount /mnt > /dev/null || fail "create failed"
nr n1 quickcheck $TAG || fail "quickcheck on the new source says unhealthy"
flags_snapshot() { try_on "$1" sh -c 'cd "$1" && for f in *; do echo "$f $(md5sum < "$f")"; done' sh "$FLAGDIR"; }
BEFORE=$(flags_snapshot n1)
echo "$BEFORE" | sed 's/^/    /'

# expect_refusal NODE WANT_RC PATTERN ARGV...: exit WANT_RC, one line matching PATTERN on stderr.
expect_refusal() {
  local node="$1" want="$2" pattern="$3" err rc
  shift 3
  err=$(lab exec "$node" -- "$@" 2>&1 > /dev/null); rc=$?
  echo "    $*: exit $rc: $err"
  [ "$rc" = "$want" ] || fail "'$*' on $node exited $rc, expected $want"
  [ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] || fail "'$*' did not give exactly one line: $err"
  printf '%s\n' "$err" | grep -q -- "$pattern" || fail "'$*' did not say '$pattern': $err"
}

step "unknown tag"
expect_refusal n1 2 "no mirror" "$NETRAID" restore nosuch
expect_refusal n1 1 "no mirror" "$NETRAID" quickcheck nosuch
expect_refusal n1 2 "no mirror" "$NETRAID" remove nosuch
expect_refusal n1 2 "no mirror" "$SOURCE_DIR/scripts/netraid/restore" -t nosuch -i x

step "a system that is not part of the mirror"
CONFIG_JSON=$(try_on n1 cat /etc/netraid/$TAG.json)
on n2 "$NETRAID" config-import "$CONFIG_JSON" > /dev/null
expect_refusal n2 2 "not part of mirror" "$NETRAID" restore $TAG
expect_refusal n2 2 "not part of mirror" "$NETRAID" force $TAG --yes
try_on n2 test -e /sys/block/md0/md/array_state && fail "md0 appeared on n2"
try_on n2 test -e "$FLAGDIR/${TAG}_last_owner" && fail "n2 got a last_owner flag"

step "force without confirmation, bad arguments, scripts without a tag"
expect_refusal n1 2 "WARNING" "$NETRAID" force $TAG
expect_refusal n1 2 "exactly one TAG" "$NETRAID" restore
expect_refusal n1 2 "unknown option\|--bogus" "$NETRAID" restore $TAG --bogus
expect_refusal n1 2 "no TAG given" "$SOURCE_DIR/scripts/netraid/restore"
expect_refusal n1 2 "unknown action" "$SOURCE_DIR/scripts/mirror_action" $TAG explode
expect_refusal n1 2 "give TAG and an action" "$SOURCE_DIR/scripts/mirror_action" $TAG
expect_refusal n1 2 "sync-state" "$NETRAID" flags-set $TAG --source n2 --sync-state sleepy
[ "$(flags_snapshot n1)" = "$BEFORE" ] || fail "flags changed on n1 after refused commands"

step "tags with a newline, or longer than md keeps, are refused by netraid on one escaped line"
expect_refusal n1 2 "tag 'bad\\\\nnetraid: forged' contains" "$NETRAID" status $'bad\nnetraid: forged'
expect_refusal n1 2 "tag 'bad\\\\nnetraid: forged' contains" "$NETRAID" quickcheck $'bad\nnetraid: forged'
# md keeps 31 characters of an array's name (32-byte set_name, NUL padded):
# mdadm 4.2 cuts a 32-character --name without a word and refuses 33.
KEPT=$(on n2 sh -c 'mdadm --create /dev/md9 --run --level=1 --raid-devices=2 --metadata=1.2 --name="$1" \
  /dev/ubda missing > /dev/null 2>&1 && mdadm --examine /dev/ubda | sed -n "s/^ *Name : \([^ ]*\).*/\1/p" &&
  mdadm --stop /dev/md9 > /dev/null 2>&1 && mdadm --zero-superblock /dev/ubda' sh "$(printf 'm%.0s' {1..32})")
echo "    mdadm --create --name=<32 characters> keeps '$KEPT' (${#KEPT} characters)"
[ "${#KEPT}" = 31 ] || fail "md kept ${#KEPT} characters of a 32-character name, not 31: revisit kMaxTagLength"
for n in 32 33; do
  LONG=$(printf 't%.0s' $(seq $n))
  expect_refusal n2 2 "tag '$LONG' is $n characters long, longer than 31" "$NETRAID" create "$LONG" --local /dev/ubda
done
try_on n2 test -e /sys/block/md0/md/array_state && fail "md0 appeared on n2 for a tag too long"

step "speed limits: a minimum above the limit is refused, md's values unchanged"
speeds() { try_on n1 sh -c 'cat /sys/block/md0/md/sync_speed_min /sys/block/md0/md/sync_speed_max' | tr '\n' ' '; }
SPEEDS=$(speeds)
expect_refusal n1 2 "--speed-limit-min 5000 KB/s is above --speed-limit 1000 KB/s" \
  "$NETRAID" set $TAG --speed-limit 1000 --speed-limit-min 5000
[ "$(speeds)" = "$SPEEDS" ] || fail "speed limits changed by a refused set: $SPEEDS -> $(speeds)"
nr n1 set $TAG --speed-limit 2000 > /dev/null || fail "set --speed-limit 2000 failed"
expect_refusal n1 2 "--speed-limit-min 5000 KB/s is above the current sync_speed_max of 2000 KB/s" \
  "$NETRAID" set $TAG --speed-limit-min 5000
nr n1 set $TAG --speed-limit 0 > /dev/null || fail "set --speed-limit 0 failed"
[ "$(speeds)" = "$SPEEDS" ] || fail "speed limits not back to the defaults: $SPEEDS -> $(speeds)"

step "--json: a failure is a JSON error object on stdout, the usual line on stderr"
for args in "status nosuch --json" "status --json --bogus" "node-info --json --bogus"; do
  OUT=$(lab exec n1 -- "$NETRAID" $args 2> /dev/null); RC=$?
  echo "    netraid $args: exit $RC, stdout: $OUT"
  printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["exit_code"]==int(sys.argv[1]) and j["error"], j' $RC ||
    fail "netraid $args: stdout is not a JSON error object with exit code $RC: '$OUT'"
  [ "$RC" = 2 ] || fail "netraid $args exited $RC, expected 2"
done

step "a symlink planted at the old temp name: config-import does not write through it"
on n2 sh -c 'echo precious > /etc/netraid/victim.txt && ln -sf /etc/netraid/victim.txt "/etc/netraid/.$1.json.tmp"' sh $TAG
on n2 "$NETRAID" config-import "$CONFIG_JSON" > /dev/null
try_on n2 sh -c '[ "$(cat /etc/netraid/victim.txt)" = precious ] && [ -L "/etc/netraid/.$1.json.tmp" ] &&
  rm /etc/netraid/victim.txt "/etc/netraid/.$1.json.tmp"' sh $TAG ||
  fail "config-import wrote through the symlink planted at /etc/netraid/.$TAG.json.tmp (or removed it)"

step "a FIFO as a config or a pid file: status, quickcheck and serve --status answer at once"
on n2 sh -c 'mv "/etc/netraid/$1.json" /tmp/config && mkfifo "/etc/netraid/$1.json" &&
  mkdir -p /run/netraid && mkfifo "/run/netraid/$1.pid"' sh $TAG
expect_refusal n2 1 "config /etc/netraid/$TAG.json is a FIFO" timeout 10 "$NETRAID" status $TAG
expect_refusal n2 1 "config /etc/netraid/$TAG.json is a FIFO" timeout 10 "$NETRAID" quickcheck $TAG
expect_refusal n2 1 "pid file /run/netraid/$TAG.pid is a FIFO" timeout 10 "$NETRAID" serve --status $TAG
on n2 sh -c 'rm "/etc/netraid/$1.json" "/run/netraid/$1.pid" && mv /tmp/config "/etc/netraid/$1.json"' sh $TAG

step "a torn flag file stops restore, names the file, changes nothing"
on n1 "$NETRAID" remove $TAG > /dev/null
BEFORE=$(flags_snapshot n1)
on n1 sh -c 'printf "in_sy" > "$1"' sh "$FLAGDIR/${TAG}_sync_state"
BEFORE_TORN=$(flags_snapshot n1)
expect_refusal n1 1 "${TAG}_sync_state" "$NETRAID" restore $TAG
try_on n1 test -e /sys/block/md0/md/array_state && fail "md0 was assembled despite a torn flag"
[ "$(flags_snapshot n1)" = "$BEFORE_TORN" ] || fail "flags changed after the torn-flag refusal"
expect_refusal n1 1 "not in service" "$NETRAID" quickcheck $TAG
on n1 sh -c 'printf "n" > "$1"' sh "$FLAGDIR/${TAG}_last_owner"
expect_refusal n1 1 "${TAG}_last_owner" "$NETRAID" quickcheck $TAG

step "a FIFO as a flag file: quickcheck and status answer at once"
on n1 sh -c 'rm "$1" && mkfifo "$1"' sh "$FLAGDIR/${TAG}_last_owner"
expect_refusal n1 1 "flag $FLAGDIR/${TAG}_last_owner is a FIFO" timeout 10 "$NETRAID" quickcheck $TAG
try_on n1 timeout 10 "$NETRAID" status $TAG > /dev/null 2>&1
[ $? != 124 ] || fail "status hung on a FIFO flag file"
echo "PASS $TEST_NAME"
