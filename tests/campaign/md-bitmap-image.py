#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The internal md bitmap of a leg's disk image on the host, read or wiped
# while its node is down (md v1.2: superblock at 4096, bitmap_offset in
# sectors at superblock byte 96, a 256-byte bitmap superblock, then one bit
# per chunk, little-endian).
#   md-bitmap-image.py count IMAGE   print the number of dirty chunks
#   md-bitmap-image.py clear IMAGE   zero every bit (the campaign's self-test 2)
import struct, sys

if len(sys.argv) != 3 or sys.argv[1] not in ("count", "clear"):
    sys.exit("usage: md-bitmap-image.py count|clear IMAGE")
verb, path = sys.argv[1], sys.argv[2]
with open(path, "r+b" if verb == "clear" else "rb") as f:
    f.seek(4096)
    sb = f.read(4096)
    if struct.unpack_from("<I", sb, 0)[0] != 0xa92b4efc:
        sys.exit(f"{path}: no md superblock at 4096")
    boff = 4096 + 512 * struct.unpack_from("<i", sb, 96)[0]
    f.seek(boff)
    bm = f.read(256)
    if struct.unpack_from("<I", bm, 0)[0] != 0x6d746962:
        sys.exit(f"{path}: no bitmap at {boff}")
    sync_size = struct.unpack_from("<Q", bm, 40)[0]
    chunk = struct.unpack_from("<I", bm, 52)[0]
    nbits = -(-sync_size * 512 // chunk)
    if verb == "count":
        bits = f.read(-(-nbits // 8))
        print(sum(bits[i // 8] >> (i % 8) & 1 for i in range(nbits)))
    else:
        f.seek(boff + 256)
        f.write(b"\0" * (-(-nbits // 8)))
        print("    cleared %d bitmap bits of %s" % (nbits, path))
