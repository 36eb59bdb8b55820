// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/member_metadata.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "netraid/mdadm/parse_error.hpp"

namespace netraid::mdadm {

namespace {

// Byte offsets inside struct mdp_superblock_1 (md_p.h).
constexpr std::size_t kSbMagic = 0, kSbMajor = 4, kSbFeatures = 8, kSbSetUuid = 16,
                      kSbSetName = 32, kSbLevel = 72, kSbSize = 80, kSbRaidDisks = 92,
                      kSbBitmapOffset = 96, kSbDataOffset = 128, kSbDataSize = 136,
                      kSbSuperOffset = 144, kSbRecoveryOffset = 152, kSbDevNumber = 160,
                      kSbDeviceUuid = 168, kSbDevflags = 184, kSbUtime = 192, kSbEvents = 200,
                      kSbResyncOffset = 208, kSbCsum = 216, kSbMaxDev = 220, kSbDevRoles = 256;

// Byte offsets inside bitmap_super_t (md-bitmap.h).
constexpr std::size_t kBmMagic = 0, kBmVersion = 4, kBmUuid = 8, kBmEvents = 24,
                      kBmEventsCleared = 32, kBmSyncSize = 40, kBmState = 48, kBmChunksize = 52,
                      kBmDaemonSleep = 56, kBmWriteBehind = 60, kBmSectorsReserved = 64,
                      kBmNodes = 68;

std::uint64_t le(std::span<const std::byte> b, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i)
    v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(b[at + i])) << (8 * i);
  return v;
}
std::uint16_t le16(std::span<const std::byte> b, std::size_t at) {
  return static_cast<std::uint16_t>(le(b, at, 2));
}
std::uint32_t le32(std::span<const std::byte> b, std::size_t at) {
  return static_cast<std::uint32_t>(le(b, at, 4));
}
std::uint64_t le64(std::span<const std::byte> b, std::size_t at) { return le(b, at, 8); }

Uuid uuid_at(std::span<const std::byte> b, std::size_t at) {
  Uuid u{};
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = std::to_integer<std::uint8_t>(b[at + i]);
  return u;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// md.c calc_sb_1_csum(): 32-bit LE word sum over 256 + 2*max_dev bytes with
// the checksum field taken as zero, folded once from 64 to 32 bits.
std::uint32_t superblock1_checksum(std::span<const std::byte> b, std::size_t size) {
  std::uint64_t sum = 0;
  std::size_t at = 0;
  for (; size - at >= 4; at += 4)
    if (at != kSbCsum) sum += le32(b, at);
  if (size - at == 2) sum += le16(b, at);
  return static_cast<std::uint32_t>((sum & 0xffffffffu) + (sum >> 32));
}

}  // namespace

std::string format_uuid(const Uuid& uuid) {
  std::string out;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    if (i != 0 && i % 4 == 0) out += ':';
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", uuid[i]);
    out += buf;
  }
  return out;
}

std::optional<unsigned> Superblock1::role() const {
  if (dev_number >= dev_roles.size()) return std::nullopt;
  const auto r = dev_roles[dev_number];
  if (r == kRoleSpare || r == kRoleFaulty) return std::nullopt;
  return r;
}

Superblock1 parse_superblock1(std::span<const std::byte> bytes) {
  if (bytes.size() < kSbDevRoles)
    throw ParseError("md superblock: only " + std::to_string(bytes.size()) +
                     " bytes given, need at least 256");
  const auto magic = le32(bytes, kSbMagic);
  if (magic != kSuperblock1Magic)
    throw ParseError("md superblock: magic " + hex32(magic) +
                     " is not a92b4efc: no md 1.x superblock at this offset (blank or replaced disk?)");
  Superblock1 sb;
  sb.major_version = le32(bytes, kSbMajor);
  if (sb.major_version != 1)
    throw ParseError("md superblock: major version " + std::to_string(sb.major_version) +
                     " is not 1");
  sb.max_dev = le32(bytes, kSbMaxDev);
  const std::size_t size = kSbDevRoles + 2 * static_cast<std::size_t>(sb.max_dev);
  if (sb.max_dev > 1920 || bytes.size() < size)
    throw ParseError("md superblock: max_dev " + std::to_string(sb.max_dev) +
                     " does not fit in the " + std::to_string(bytes.size()) + " bytes given");
  const auto stored = le32(bytes, kSbCsum);
  const auto computed = superblock1_checksum(bytes, size);
  if (stored != computed)
    throw ParseError("md superblock: checksum " + hex32(stored) + " should be " + hex32(computed) +
                     ": torn or corrupt superblock, do not trust this member");
  sb.feature_map = le32(bytes, kSbFeatures);
  sb.set_uuid = uuid_at(bytes, kSbSetUuid);
  for (std::size_t i = 0; i < 32; ++i) {
    const auto c = std::to_integer<char>(bytes[kSbSetName + i]);
    if (c == '\0') break;
    sb.set_name += c;
  }
  sb.level = le32(bytes, kSbLevel);
  sb.size_sectors = le64(bytes, kSbSize);
  sb.raid_disks = le32(bytes, kSbRaidDisks);
  sb.bitmap_offset_sectors = static_cast<std::int32_t>(le32(bytes, kSbBitmapOffset));
  sb.data_offset_sectors = le64(bytes, kSbDataOffset);
  sb.data_size_sectors = le64(bytes, kSbDataSize);
  sb.super_offset_sectors = le64(bytes, kSbSuperOffset);
  sb.recovery_offset_sectors = le64(bytes, kSbRecoveryOffset);
  sb.dev_number = le32(bytes, kSbDevNumber);
  sb.device_uuid = uuid_at(bytes, kSbDeviceUuid);
  sb.devflags = std::to_integer<std::uint8_t>(bytes[kSbDevflags]);
  sb.utime_seconds = le64(bytes, kSbUtime) & 0xffffffffffu;  // low 40 bits
  sb.events = le64(bytes, kSbEvents);
  sb.resync_offset_sectors = le64(bytes, kSbResyncOffset);
  sb.dev_roles.reserve(sb.max_dev);
  for (std::size_t i = 0; i < sb.max_dev; ++i) sb.dev_roles.push_back(le16(bytes, kSbDevRoles + 2 * i));
  return sb;
}

std::uint64_t bitmap_byte_offset(const Superblock1& sb) {
  if (!sb.has_internal_bitmap())
    throw ParseError("md superblock: no internal bitmap (feature bit 0 clear): create the array "
                     "with --bitmap=internal");
  const auto sectors = static_cast<std::int64_t>(sb.super_offset_sectors) + sb.bitmap_offset_sectors;
  if (sectors < 0) throw ParseError("md superblock: bitmap offset points before the device start");
  return static_cast<std::uint64_t>(sectors) * 512;
}

std::uint64_t BitmapSuper::chunk_count() const {
  const std::uint64_t chunk_sectors = chunksize_bytes / 512;
  return chunk_sectors == 0 ? 0 : (sync_size_sectors + chunk_sectors - 1) / chunk_sectors;
}

BitmapSuper parse_bitmap_super(std::span<const std::byte> bytes) {
  if (bytes.size() < kBitmapSuperBytes)
    throw ParseError("md bitmap: only " + std::to_string(bytes.size()) +
                     " bytes given, need the 256-byte bitmap superblock");
  const auto magic = le32(bytes, kBmMagic);
  if (magic != kBitmapMagic)
    throw ParseError("md bitmap: magic " + hex32(magic) +
                     " is not 6d746962: no bitmap at this offset");
  BitmapSuper sb;
  sb.version = le32(bytes, kBmVersion);
  // BITMAP_MAJOR_LO 3 .. BITMAP_MAJOR_CLUSTERED 5.
  if (sb.version < 3 || sb.version > 5)
    throw ParseError("md bitmap: version " + std::to_string(sb.version) + " is not 3, 4 or 5");
  sb.uuid = uuid_at(bytes, kBmUuid);
  sb.events = le64(bytes, kBmEvents);
  sb.events_cleared = le64(bytes, kBmEventsCleared);
  sb.sync_size_sectors = le64(bytes, kBmSyncSize);
  sb.state = le32(bytes, kBmState);
  sb.chunksize_bytes = le32(bytes, kBmChunksize);
  sb.daemon_sleep_s = le32(bytes, kBmDaemonSleep);
  sb.write_behind = le32(bytes, kBmWriteBehind);
  sb.sectors_reserved = le32(bytes, kBmSectorsReserved);
  sb.nodes = le32(bytes, kBmNodes);
  if (sb.chunksize_bytes < 512 || !std::has_single_bit(sb.chunksize_bytes))
    throw ParseError("md bitmap: chunk size " + std::to_string(sb.chunksize_bytes) +
                     " bytes is not a power of two >= 512");
  return sb;
}

std::vector<std::uint64_t> dirty_chunks(const BitmapSuper& sb, std::span<const std::byte> bits) {
  const auto chunks = sb.chunk_count();
  if (bits.size() < sb.bit_bytes())
    throw ParseError("md bitmap: " + std::to_string(bits.size()) + " bytes of bits given, " +
                     std::to_string(chunks) + " chunks need " + std::to_string(sb.bit_bytes()));
  std::vector<std::uint64_t> dirty;
  for (std::uint64_t byte = 0; byte < sb.bit_bytes(); ++byte) {
    const auto value = std::to_integer<std::uint8_t>(bits[byte]);
    if (value == 0) continue;
    for (unsigned bit = 0; bit < 8; ++bit) {
      const auto chunk = byte * 8 + bit;
      if (chunk < chunks && (value >> bit) & 1u) dirty.push_back(chunk);
    }
  }
  return dirty;
}

std::vector<ChunkRange> to_ranges(std::vector<std::uint64_t> chunks) {
  std::sort(chunks.begin(), chunks.end());
  std::vector<ChunkRange> ranges;
  for (const auto c : chunks) {
    if (!ranges.empty() && c <= ranges.back().last + 1) {
      ranges.back().last = std::max(ranges.back().last, c);
    } else {
      ranges.push_back({c, c});
    }
  }
  return ranges;
}

std::vector<ChunkRange> rescale_ranges(const std::vector<ChunkRange>& ranges, std::uint64_t from_chunk_bytes,
                                       std::uint64_t to_chunk_bytes) {
  if (from_chunk_bytes == 0 || to_chunk_bytes == 0)
    throw ParseError("bitmap chunk size 0: read the chunk sizes from both bitmaps first");
  std::vector<ChunkRange> out;
  for (const auto& r : ranges) {
    const ChunkRange scaled{r.first * from_chunk_bytes / to_chunk_bytes,
                            ((r.last + 1) * from_chunk_bytes - 1) / to_chunk_bytes};
    if (!out.empty() && scaled.first <= out.back().last + 1)
      out.back().last = std::max(out.back().last, scaled.last);
    else
      out.push_back(scaled);
  }
  return out;
}

std::vector<std::string> format_bitmap_set_bits(const std::vector<ChunkRange>& ranges,
                                                std::size_t max_bytes) {
  std::vector<std::string> pieces;
  std::string current;
  for (const auto& r : ranges) {
    auto word = std::to_string(r.first);
    if (r.last != r.first) word += "-" + std::to_string(r.last);
    if (!current.empty() && current.size() + 1 + word.size() > max_bytes) {
      pieces.push_back(std::move(current));
      current.clear();
    }
    if (!current.empty()) current += ' ';
    current += word;
  }
  if (!current.empty()) pieces.push_back(std::move(current));
  return pieces;
}

}  // namespace netraid::mdadm
