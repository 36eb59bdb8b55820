// SPDX-License-Identifier: GPL-2.0-or-later
// Builds the first bytes of an md 1.2 member the way the kernel lays them
// out, using the kernel's own struct mdp_superblock_1 (linux/raid/md_p.h)
// and bitmap_super_t as declared in drivers/md/md-bitmap.h. The parser under
// test uses byte offsets of its own, so these two must agree.
#pragma once
#include <linux/raid/md_p.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

static_assert(std::endian::native == std::endian::little, "images are built in host order");

// drivers/md/md-bitmap.h (the comments there give these offsets).
struct TestBitmapSuper {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint8_t uuid[16];
  std::uint64_t events;
  std::uint64_t events_cleared;
  std::uint64_t sync_size;
  std::uint32_t state;
  std::uint32_t chunksize;
  std::uint32_t daemon_sleep;
  std::uint32_t write_behind;
  std::uint32_t sectors_reserved;
  std::uint32_t nodes;
  std::uint8_t cluster_name[64];
  std::uint8_t pad[256 - 136];
};
static_assert(sizeof(TestBitmapSuper) == 256);
static_assert(offsetof(TestBitmapSuper, sync_size) == 40);
static_assert(offsetof(TestBitmapSuper, chunksize) == 52);
static_assert(offsetof(mdp_superblock_1, bitmap_offset) == 96);

struct MemberImageSpec {
  std::uint64_t events = 21;
  std::uint8_t set_uuid_seed = 0x3f;
  std::int32_t bitmap_offset_sectors = 8;
  std::uint64_t data_offset_sectors = 4096;
  std::uint64_t size_sectors = 262144;  // 128 MiB used per member
  std::uint32_t feature_map = MD_FEATURE_BITMAP_OFFSET;
  std::uint64_t recovery_offset_sectors = 0;
  std::uint32_t dev_number = 1;
  std::uint32_t max_dev = 2;
  std::uint16_t role_of_dev_number = 1;
  std::uint8_t devflags = 1;  // WriteMostly1
  // bitmap
  std::uint32_t bitmap_version = 4;
  std::uint32_t chunk_bytes = 64 * 1024;
  std::uint32_t bitmap_state = 0;
  std::uint64_t bitmap_events = 21;
  std::uint64_t bitmap_events_cleared = 17;
  std::vector<std::uint64_t> dirty;
  // 0: the 1.2 layout (superblock at 4 KiB). Else metadata 1.0 in an image of
  // this many bytes: data from 0, the superblock near the end, the bitmap
  // bitmap_offset_sectors (negative) before it.
  std::uint64_t device_bytes = 0;
};

// md.c calc_sb_1_csum(), written against the kernel struct.
inline std::uint32_t kernel_sb1_csum(const mdp_superblock_1* sb) {
  int size = 256 + static_cast<int>(sb->max_dev) * 2;
  const auto* bytes = reinterpret_cast<const unsigned char*>(sb);
  const int csum_at = static_cast<int>(offsetof(mdp_superblock_1, sb_csum));
  std::uint64_t sum = 0;
  int at = 0;
  for (; size >= 4; size -= 4, at += 4) {
    std::uint32_t word;
    std::memcpy(&word, bytes + at, 4);
    sum += at == csum_at ? 0 : word;
  }
  if (size == 2) {
    std::uint16_t half;
    std::memcpy(&half, bytes + at, 2);
    sum += half;
  }
  return static_cast<std::uint32_t>((sum & 0xffffffffu) + (sum >> 32));
}

inline std::vector<std::byte> build_member_image(const MemberImageSpec& spec) {
  const std::uint64_t chunk_sectors = spec.chunk_bytes / 512;
  const std::uint64_t chunks = (spec.size_sectors + chunk_sectors - 1) / chunk_sectors;
  const bool at_end = spec.device_bytes != 0;
  const std::uint64_t sb_at = at_end ? ((spec.device_bytes / 512 - 16) & ~std::uint64_t{7}) * 512 : 4096;
  const std::size_t bitmap_at = static_cast<std::size_t>(static_cast<std::int64_t>(sb_at) +
                                                         std::int64_t{spec.bitmap_offset_sectors} * 512);
  std::vector<std::byte> image(at_end ? spec.device_bytes : bitmap_at + 256 + (chunks + 7) / 8 + 4096);

  alignas(8) unsigned char sb_bytes[4096] = {};
  auto* sb = reinterpret_cast<mdp_superblock_1*>(sb_bytes);
  sb->magic = MD_SB_MAGIC;
  sb->major_version = 1;
  sb->feature_map = spec.feature_map;
  for (int i = 0; i < 16; ++i) sb->set_uuid[i] = static_cast<std::uint8_t>(spec.set_uuid_seed + i);
  std::strcpy(sb->set_name, "n1:0");
  sb->ctime = 1732528000;
  sb->level = 1;
  sb->size = spec.size_sectors;
  sb->raid_disks = 2;
  sb->bitmap_offset = static_cast<std::uint32_t>(spec.bitmap_offset_sectors);
  sb->data_offset = spec.data_offset_sectors;
  sb->data_size = spec.size_sectors;
  sb->super_offset = sb_at / 512;
  sb->recovery_offset = spec.recovery_offset_sectors;
  sb->dev_number = spec.dev_number;
  for (int i = 0; i < 16; ++i) sb->device_uuid[i] = static_cast<std::uint8_t>(0x9a + i);
  sb->devflags = spec.devflags;
  sb->utime = 1732528311;
  sb->events = spec.events;
  sb->resync_offset = ~0ull;
  sb->max_dev = spec.max_dev;
  for (std::uint32_t i = 0; i < spec.max_dev; ++i)
    sb->dev_roles[i] = i == spec.dev_number ? spec.role_of_dev_number : static_cast<std::uint16_t>(i);
  sb->sb_csum = kernel_sb1_csum(sb);
  std::memcpy(image.data() + sb_at, sb_bytes, std::min<std::size_t>(sizeof sb_bytes, image.size() - sb_at));

  TestBitmapSuper bm{};
  bm.magic = 0x6d746962;
  bm.version = spec.bitmap_version;
  std::memcpy(bm.uuid, sb->set_uuid, 16);
  bm.events = spec.bitmap_events;
  bm.events_cleared = spec.bitmap_events_cleared;
  bm.sync_size = spec.size_sectors;
  bm.state = spec.bitmap_state;
  bm.chunksize = spec.chunk_bytes;
  bm.daemon_sleep = 5;
  bm.sectors_reserved = 8;
  std::memcpy(image.data() + bitmap_at, &bm, sizeof bm);
  for (const auto chunk : spec.dirty) {
    auto& byte = image[bitmap_at + 256 + chunk / 8];
    byte |= static_cast<std::byte>(1u << (chunk % 8));
  }
  return image;
}
