// SPDX-License-Identifier: GPL-2.0-or-later
// The md v1.x superblock and internal write-intent bitmap of one member
// device, decoded from raw bytes. Layouts: struct mdp_superblock_1 in
// include/uapi/linux/raid/md_p.h and bitmap_super_t in drivers/md/md-bitmap.h;
// the checksum is md.c calc_sb_1_csum(). All fields are little-endian.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace netraid::mdadm {

inline constexpr std::uint64_t kSuperblock12Offset = 4096;  // metadata 1.2
inline constexpr std::uint64_t kSuperblock11Offset = 0;     // metadata 1.1
// Metadata 1.0 sits at the end: md.c calc_dev_sboffset()/mdadm's super1.c,
// at least 8 KiB and less than 12 KiB before the end, on a 4 KiB boundary.
constexpr std::uint64_t superblock10_offset(std::uint64_t device_bytes) {
  const std::uint64_t sectors = device_bytes / 512;
  return sectors < 24 ? 0 : ((sectors - 16) & ~std::uint64_t{7}) * 512;
}
inline constexpr std::uint32_t kSuperblock1Magic = 0xa92b4efc;
inline constexpr std::uint32_t kBitmapMagic = 0x6d746962;  // "bitm"
inline constexpr std::size_t kBitmapSuperBytes = 256;      // bits start after it
inline constexpr std::uint16_t kRoleSpare = 0xffff;
inline constexpr std::uint16_t kRoleFaulty = 0xfffe;

using Uuid = std::array<std::uint8_t, 16>;

// "xxxxxxxx:xxxxxxxx:xxxxxxxx:xxxxxxxx", as mdadm prints MD_UUID.
std::string format_uuid(const Uuid& uuid);

struct Superblock1 {
  std::uint32_t major_version = 0;
  std::uint32_t feature_map = 0;
  Uuid set_uuid{};
  std::string set_name;
  std::uint32_t level = 0;
  std::uint64_t size_sectors = 0;     // used size of each member
  std::uint32_t raid_disks = 0;
  std::int32_t bitmap_offset_sectors = 0;  // from the superblock; signed
  std::uint64_t data_offset_sectors = 0;
  std::uint64_t data_size_sectors = 0;
  std::uint64_t super_offset_sectors = 0;
  std::uint64_t recovery_offset_sectors = 0;
  std::uint32_t dev_number = 0;
  Uuid device_uuid{};
  std::uint8_t devflags = 0;
  std::uint64_t utime_seconds = 0;
  std::uint64_t events = 0;
  std::uint64_t resync_offset_sectors = 0;
  std::uint32_t max_dev = 0;
  std::vector<std::uint16_t> dev_roles;  // indexed by dev_number

  bool has_internal_bitmap() const { return (feature_map & 1u) != 0; }
  // MD_FEATURE_RECOVERY_OFFSET: this member was being rebuilt and did not
  // finish (md writes it on the member while recovery runs).
  bool recovery_incomplete() const { return (feature_map & 2u) != 0; }
  // MD_FEATURE_RECOVERY_BITMAP: that rebuild was bitmap-based (a re-add).
  bool recovery_from_bitmap() const { return (feature_map & 128u) != 0; }
  bool write_mostly() const { return (devflags & 1u) != 0; }
  // "1.0" (superblock after the data: at the end), "1.1" (at byte 0) or
  // "1.2" (at 4 KiB), from where the superblock says it is.
  std::string metadata_version() const {
    if (super_offset_sectors == 0) return "1.1";
    if (super_offset_sectors == 8 && data_offset_sectors > 8) return "1.2";
    return "1.0";
  }
  // The member's role: slot number, or nullopt for spare/faulty/unknown.
  std::optional<unsigned> role() const;
};

// `bytes` start at the superblock (byte 4096 of a 1.2 member) and hold at
// least 256 + 2*max_dev bytes (4096 is always enough). Throws ParseError on a
// wrong magic, a major version other than 1, or a checksum mismatch.
Superblock1 parse_superblock1(std::span<const std::byte> bytes);

// Byte offset of the bitmap superblock from the start of the member device.
std::uint64_t bitmap_byte_offset(const Superblock1& sb);

struct BitmapSuper {
  std::uint32_t version = 0;
  Uuid uuid{};
  std::uint64_t events = 0;
  std::uint64_t events_cleared = 0;
  std::uint64_t sync_size_sectors = 0;
  std::uint32_t state = 0;
  std::uint32_t chunksize_bytes = 0;
  std::uint32_t daemon_sleep_s = 0;
  std::uint32_t write_behind = 0;
  std::uint32_t sectors_reserved = 0;
  std::uint32_t nodes = 0;

  // BITMAP_STALE: md could not keep the bitmap current; it says nothing.
  bool stale() const { return (state & 2u) != 0; }
  std::uint64_t chunk_count() const;
  std::uint64_t bit_bytes() const { return (chunk_count() + 7) / 8; }
};

// `bytes` start at the bitmap superblock; at least 256 bytes. Throws
// ParseError on a wrong magic, an unknown version or a chunk size that is
// not a power of two of at least 512 bytes.
BitmapSuper parse_bitmap_super(std::span<const std::byte> bytes);

// Chunk numbers whose bit is set. `bits` start right after the 256-byte
// bitmap superblock: bit i is byte i/8, bit i%8. Throws ParseError when
// fewer than sb.bit_bytes() bytes are given.
std::vector<std::uint64_t> dirty_chunks(const BitmapSuper& sb, std::span<const std::byte> bits);

struct ChunkRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive, like md's bitmap_dirty_bits(s, e)
  bool operator==(const ChunkRange&) const = default;
};

// Sorted, merged ranges of sorted or unsorted chunk numbers.
std::vector<ChunkRange> to_ranges(std::vector<std::uint64_t> chunks);

// The same byte ranges expressed in another bitmap's chunk size (a member's
// bitmap merged into an array whose chunk differs): never loses a byte,
// may widen to whole destination chunks.
std::vector<ChunkRange> rescale_ranges(const std::vector<ChunkRange>& ranges, std::uint64_t from_chunk_bytes,
                                       std::uint64_t to_chunk_bytes);

// Text for /sys/block/mdX/md/bitmap_set_bits: "A-B C-D E" with B, D
// inclusive (md.c bitmap_store() parses "<chunk>" or "<chunk>-<chunk>" words
// and marks s..e inclusive). A sysfs write is cut at one page, so the text
// comes in pieces of at most `max_bytes` each; write each piece separately.
std::vector<std::string> format_bitmap_set_bits(const std::vector<ChunkRange>& ranges,
                                                std::size_t max_bytes = 4000);

}  // namespace netraid::mdadm
