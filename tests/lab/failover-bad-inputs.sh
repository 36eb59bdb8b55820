#!/bin/bash
# Failover verbs and scripts given bad input: unknown tag, a system that is
# not part of the mirror, a torn flag file, force without confirmation,
# scripts without a tag or with an unknown action. Each: non-zero exit, one
# line naming the problem, and nothing changed (md state and flag files).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover/driver.sh"

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
on n2 "$NETRAID" config-import "$(try_on n1 cat /etc/netraid/$TAG.json)" > /dev/null
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
echo "PASS $TEST_NAME"
