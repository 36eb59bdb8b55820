# SPDX-License-Identifier: GPL-2.0-or-later
# Only the mirror's tag is served: another name, a different case, and the
# empty (default) name are refused; the tag itself is accepted.
. "$(dirname "$0")/lib.sh"
need nbdinfo

truncate -s 16M "$WORK/disk.img"
nbdkit -U - "$PLUGIN" dev="$WORK/disk.img" tag=data1 --run '
  for name in data2 DATA1 "" data1x; do
    if nbdinfo --size "nbd+unix:///$name?socket=$unixsocket" >/dev/null 2>&1; then
      echo "accepted:$name"
    else
      echo "refused:$name"
    fi
  done
  nbdinfo --size "nbd+unix:///data1?socket=$unixsocket"
  nbdinfo --list --json "nbd+unix:///?socket=$unixsocket" >'"$WORK"'/list.json
' >"$WORK/out" 2>"$WORK/err" || fail "server run failed: $(cat "$WORK/err")"

for name in data2 DATA1 "" data1x; do
  grep -qx "refused:$name" "$WORK/out" || fail "export '$name' should be refused, saw: $(cat "$WORK/out")"
done
grep -qx 16777216 "$WORK/out" || fail "export 'data1' should be served with size 16777216, saw: $(cat "$WORK/out")"
grep -q "export 'data2' refused: this server only serves export 'data1'" "$WORK/err" ||
  fail "expected the server to log why data2 was refused, saw: $(cat "$WORK/err")"
/usr/bin/python3 -c '
import json, sys
names = [e["export-name"] for e in json.load(open(sys.argv[1]))["exports"]]
sys.exit(0 if names == ["data1"] else "FAIL: export list should be [data1], saw %r" % names)' "$WORK/list.json"
pass "only export data1 is served and listed"
