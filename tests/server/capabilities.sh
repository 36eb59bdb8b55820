# SPDX-License-Identifier: GPL-2.0-or-later
# nbdinfo --json shows the size and exactly the capabilities the plugin honours.
. "$(dirname "$0")/lib.sh"
need nbdinfo

truncate -s 96M "$WORK/disk.img"
nbdkit -U - -e data1 "$PLUGIN" dev="$WORK/disk.img" tag=data1 --run 'nbdinfo --json "$uri"' >"$WORK/info.json"

/usr/bin/python3 - "$WORK/info.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["exports"][0]
want = {"export-name": "data1", "export-size": 96 << 20, "is_read_only": False,
        "can_flush": True, "can_fua": True, "can_trim": True, "can_zero": True,
        "can_fast_zero": True, "can_multi_conn": True}
bad = {k: (v, e.get(k)) for k, v in want.items() if e.get(k) != v}
if bad:
    sys.exit("FAIL: expected vs seen: %r" % bad)
print("ok: file export", {k: e[k] for k in want})
PY

# readonly=true: the client is told it cannot write.
nbdkit -U - -e data1 "$PLUGIN" dev="$WORK/disk.img" tag=data1 readonly=true \
  --run 'nbdinfo --json "$uri"' >"$WORK/ro.json"
/usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["exports"][0]; sys.exit(0 if e["is_read_only"] else "FAIL: readonly=true export is writable")' "$WORK/ro.json"
pass "readonly=true export is read-only"
