# SPDX-License-Identifier: GPL-2.0-or-later
# Only the configured source may connect (nbdkit's ip filter, set up by
# netraid serve). Loopback connections come from 127.0.0.1, so allowing only
# 127.0.0.2 must refuse them, and allowing 127.0.0.1 must let them in.
. "$(dirname "$0")/lib.sh"
need nbdinfo
[[ -n $NETRAID && -x $NETRAID ]] || skip "NETRAID_CLI does not name the built netraid binary (run through ctest)"
export NETRAID_RUN_DIR=$WORK/run
tag=iptest$$
at_exit "$NETRAID serve --stop $tag"
truncate -s 16M "$WORK/disk.img"

port=$(free_port)
"$NETRAID" serve "$tag" --device "$WORK/disk.img" --listen 127.0.0.1 --port "$port" --allow 127.0.0.2 ||
  fail "serve with --allow 127.0.0.2 did not start"
if nbdinfo --size "nbd://127.0.0.1:$port/$tag" >"$WORK/o" 2>&1; then
  fail "a client from 127.0.0.1 was served although only 127.0.0.2 is allowed: $(cat "$WORK/o")"
fi
pass "client from 127.0.0.1 refused when only 127.0.0.2 is allowed: $(tail -1 "$WORK/o")"
"$NETRAID" serve --stop "$tag" >/dev/null

port=$(free_port)
"$NETRAID" serve "$tag" --device "$WORK/disk.img" --listen 127.0.0.1 --port "$port" --allow 127.0.0.2 \
  --allow 127.0.0.1 || fail "serve with --allow 127.0.0.2 --allow 127.0.0.1 did not start"
size=$(nbdinfo --size "nbd://127.0.0.1:$port/$tag" 2>&1) || fail "allowed client refused: $size"
[[ $size == 16777216 ]] || fail "expected size 16777216, saw $size"
pass "client from 127.0.0.1 served when allowed"
