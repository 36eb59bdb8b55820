# SPDX-License-Identifier: GPL-2.0-or-later
# netraid serve: start in the background over loopback TCP, status, idempotent
# start, conflicting start, data through the served export, stop (process
# gone, pid file gone), idempotent stop; a refused device leaves nothing.
. "$(dirname "$0")/lib.sh"
need nbdcopy nbdinfo cmp
[[ -n $NETRAID && -x $NETRAID ]] || skip "NETRAID_CLI does not name the built netraid binary (run through ctest)"
export NETRAID_RUN_DIR=$WORK/run
tag=srvtest$$
port=$(free_port)
at_exit "$NETRAID serve --stop $tag"

expect_rc() {  # expect_rc RC DESCRIPTION CMD...
  local want=$1 what=$2 rc=0
  shift 2
  "$@" >"$WORK/o" 2>&1 || rc=$?
  [[ $rc -eq $want ]] || fail "$what: expected exit $want, got $rc: $(cat "$WORK/o")"
  pass "$what (exit $rc): $(head -1 "$WORK/o")"
}

random_file "$WORK/src.img" $((32 << 20))
truncate -s 32M "$WORK/disk.img"
start=("$NETRAID" serve "$tag" --device "$WORK/disk.img" --listen 127.0.0.1 --port "$port" --allow 127.0.0.1)

expect_rc 3 "status before start" "$NETRAID" serve --status "$tag"
expect_rc 0 "start" "${start[@]}"
pid=$(cat "$NETRAID_RUN_DIR/$tag.pid")
[[ -d /proc/$pid ]] || fail "pid file names $pid, which is not running"
expect_rc 0 "status while serving" "$NETRAID" serve --status "$tag"
expect_rc 0 "start again, same options" "${start[@]}"
grep -q "already serving" "$WORK/o" || fail "second start should say 'already serving', said: $(cat "$WORK/o")"
[[ $(cat "$NETRAID_RUN_DIR/$tag.pid") == "$pid" ]] || fail "second start replaced the server"
expect_rc 1 "start again, other options" "${start[@]}" --direct
grep -q "already served with other options" "$WORK/o" || fail "conflicting start message wrong: $(cat "$WORK/o")"

uri="nbd://127.0.0.1:$port/$tag"
nbdcopy --flush "$WORK/src.img" "$uri" || fail "write through $uri failed"
nbdcopy "$uri" "$WORK/back.img" || fail "read through $uri failed"
cmp "$WORK/src.img" "$WORK/back.img" || fail "data read back through $uri differs"
cmp "$WORK/src.img" "$WORK/disk.img" || fail "backing file differs from what was written through $uri"
pass "32 MiB through $uri, read back identical"

expect_rc 0 "stop" "$NETRAID" serve --stop "$tag"
# Gone, or a zombie waiting for its (re)parent to reap it: no longer running.
state=$(ps -o stat= -p "$pid" || true)
[[ -z $state || $state == Z* ]] || fail "nbdkit pid $pid still running after stop (state $state)"
[[ ! -e $NETRAID_RUN_DIR/$tag.pid ]] || fail "pid file left behind after stop"
expect_rc 0 "stop again" "$NETRAID" serve --stop "$tag"
expect_rc 3 "status after stop" "$NETRAID" serve --status "$tag"
if nbdinfo --size "$uri" >/dev/null 2>&1; then fail "$uri still answers after stop"; fi

# A refused device: nbdkit's one-line reason, exit 1, no pid file, no process.
expect_rc 1 "start on a missing device" "$NETRAID" serve "$tag" --device "$WORK/nope" --port "$port" --allow 127.0.0.1
grep -q "dev=$WORK/nope: does not exist" "$WORK/o" || fail "missing-device reason not shown: $(cat "$WORK/o")"
[[ ! -e $NETRAID_RUN_DIR/$tag.pid ]] || fail "pid file left by a refused start"
expect_rc 2 "bad arguments" "$NETRAID" serve "$tag" --device "$WORK/disk.img" --allow nowhere
expect_rc 3 "status after refused start" "$NETRAID" serve --status "$tag"
