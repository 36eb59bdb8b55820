# SPDX-License-Identifier: GPL-2.0-or-later
# Writes with FUA, flush, zero (plain and may-unmap), trim and unaligned I/O
# through qemu-io's NBD client, buffered and O_DIRECT; patterns checked by
# reading back through NBD (qemu-io read -P exits non-zero on a mismatch) and
# in the backing file.
. "$(dirname "$0")/lib.sh"
need qemu-io

cat >"$WORK/ops" <<'EOF2'
write -f -P 0xab 0 4M
flush
read -P 0xab 0 4M
write -z 1M 1M
write -z -u 2M 1M
write -z 3M 4k
read -P 0xab 0 1M
read -P 0 1M 2052k
read -P 0xab 3076k 1020k
discard 6M 1M
write -f -P 0x78 12345 3003
read -P 0x78 12345 3003
read -P 0xab 0 12345
read -P 0xab 15348 1033228
flush
EOF2

for mode in direct=false direct=true; do
  truncate -s 8M "$WORK/disk.img"
  out=$(nbdkit -U - "$PLUGIN" dev="$WORK/disk.img" tag=data1 $mode --run '
          qemu-io -f raw "nbd+unix:///data1?socket=$unixsocket" <'"$WORK"'/ops' 2>&1) ||
    fail "$mode: qemu-io reported a mismatch or an error: $out"
  if grep -qiE 'error|fail|mismatch' <<<"$out"; then fail "$mode: qemu-io said: $out"; fi
  /usr/bin/python3 - "$WORK/disk.img" <<'PY' || fail "$mode: backing file does not hold what the client wrote"
import sys
d = open(sys.argv[1], "rb").read()
M = 1 << 20
assert d[:12345] == b"\xab" * 12345, "head"
assert d[12345:12345 + 3003] == b"x" * 3003, "unaligned write"
assert d[12345 + 3003:M] == b"\xab" * (M - 12345 - 3003), "after unaligned write"
assert d[M:3 * M + 4096] == bytes(2 * M + 4096), "zeroed range"
assert d[3 * M + 4096:4 * M] == b"\xab" * (M - 4096), "tail of FUA write"
PY
  pass "$mode: FUA, flush, zero, trim and unaligned I/O behave"
  rm -f "$WORK/disk.img"
done
