# SPDX-License-Identifier: GPL-2.0-or-later
# nbdcopy writes random data through the plugin (buffered and O_DIRECT); the
# backing file, a read back through NBD and qemu-img compare all agree.
. "$(dirname "$0")/lib.sh"
need nbdcopy qemu-img cmp

random_file "$WORK/src.img" $((64 << 20))
for mode in direct=false direct=true; do
  truncate -s 64M "$WORK/disk.img"
  nbdkit -U - -e data1 "$PLUGIN" dev="$WORK/disk.img" tag=data1 $mode --run '
    set -e
    nbdcopy --flush "'"$WORK"'/src.img" "$uri"
    nbdcopy "$uri" "'"$WORK"'/back.img"
    qemu-img compare -q -f raw "'"$WORK"'/src.img" "$uri"
  ' || fail "$mode: copy or qemu-img compare through NBD failed"
  cmp "$WORK/src.img" "$WORK/disk.img" || fail "$mode: backing file differs from what was written"
  cmp "$WORK/src.img" "$WORK/back.img" || fail "$mode: data read back differs from what was written"
  pass "$mode: 64 MiB written, read back and compared"
  rm -f "$WORK/disk.img" "$WORK/back.img"
done
