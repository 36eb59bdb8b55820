// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <algorithm>
#include <span>

#include "md_image.hpp"
#include "netraid/mdadm/member_metadata.hpp"
#include "netraid/mdadm/parse_error.hpp"

using namespace netraid::mdadm;

namespace {
std::span<const std::byte> superblock_bytes(const std::vector<std::byte>& image) {
  return std::span<const std::byte>(image).subspan(4096, 4096);
}
}  // namespace

TEST_CASE("superblock: fields of a 1.2 member with an internal bitmap") {
  MemberImageSpec spec;
  spec.events = 0x1'0000'0015ull;  // above 32 bits
  const auto image = build_member_image(spec);
  const auto sb = parse_superblock1(superblock_bytes(image));
  CHECK(sb.major_version == 1);
  CHECK(sb.has_internal_bitmap());
  CHECK_FALSE(sb.recovery_incomplete());
  CHECK(sb.bitmap_offset_sectors == 8);
  CHECK(sb.data_offset_sectors == 4096);
  CHECK(sb.data_size_sectors == 262144);
  CHECK(sb.super_offset_sectors == 8);
  CHECK(sb.events == 0x1'0000'0015ull);
  CHECK(sb.level == 1);
  CHECK(sb.raid_disks == 2);
  CHECK(sb.set_name == "n1:0");
  CHECK(format_uuid(sb.set_uuid) == "3f404142:43444546:4748494a:4b4c4d4e");
  CHECK(sb.write_mostly());
  CHECK(sb.role() == 1u);
  CHECK(sb.utime_seconds == 1732528311);
  CHECK(bitmap_byte_offset(sb) == 4096 + 8 * 512);
}

TEST_CASE("superblock: an interrupted rebuild is visible (MD_FEATURE_RECOVERY_OFFSET)") {
  MemberImageSpec spec;
  spec.feature_map = MD_FEATURE_BITMAP_OFFSET | MD_FEATURE_RECOVERY_OFFSET | MD_FEATURE_RECOVERY_BITMAP;
  spec.recovery_offset_sectors = 65536;
  const auto sb = parse_superblock1(superblock_bytes(build_member_image(spec)));
  CHECK(sb.recovery_incomplete());
  CHECK(sb.recovery_from_bitmap());
  CHECK(sb.recovery_offset_sectors == 65536);
}

TEST_CASE("superblock: spare and faulty roles have no slot, a negative bitmap offset is kept signed") {
  MemberImageSpec spec;
  spec.role_of_dev_number = 0xfffe;
  auto image = build_member_image(spec);
  CHECK_FALSE(parse_superblock1(superblock_bytes(image)).role().has_value());

  // Patch a negative bitmap offset (bitmap before the superblock, as 1.0
  // metadata has it) and re-checksum through the kernel struct.
  auto* sb = reinterpret_cast<mdp_superblock_1*>(image.data() + 4096);
  sb->bitmap_offset = static_cast<std::uint32_t>(-4);
  sb->sb_csum = kernel_sb1_csum(sb);
  const auto parsed = parse_superblock1(superblock_bytes(image));
  CHECK(parsed.bitmap_offset_sectors == -4);
  CHECK(bitmap_byte_offset(parsed) == (8 - 4) * 512);
  sb->bitmap_offset = static_cast<std::uint32_t>(-16);
  sb->sb_csum = kernel_sb1_csum(sb);
  CHECK_THROWS_WITH(bitmap_byte_offset(parse_superblock1(superblock_bytes(image))),
                    doctest::Contains("before the device start"));
}

TEST_CASE("superblock: errors-blank disk, torn superblock, short buffer") {
  std::vector<std::byte> blank(8192);
  CHECK_THROWS_WITH(parse_superblock1(superblock_bytes(blank)), doctest::Contains("blank or replaced"));
  auto image = build_member_image({});
  image[4096 + 200] ^= std::byte{0x01};  // flip one bit of events
  CHECK_THROWS_WITH(parse_superblock1(superblock_bytes(image)), doctest::Contains("checksum"));
  CHECK_THROWS_AS(parse_superblock1(std::span<const std::byte>(image).subspan(4096, 100)), ParseError);
  MemberImageSpec no_bitmap;
  no_bitmap.feature_map = 0;
  const auto sb = parse_superblock1(superblock_bytes(build_member_image(no_bitmap)));
  CHECK_FALSE(sb.has_internal_bitmap());
  CHECK_THROWS_WITH(bitmap_byte_offset(sb), doctest::Contains("no internal bitmap"));
}

TEST_CASE("bitmap: superblock fields and dirty chunks, bit i = byte i/8 bit i%8") {
  MemberImageSpec spec;
  spec.dirty = {0, 7, 8, 9, 10, 100, 2047};  // 128 MiB / 64 KiB = 2048 chunks
  const auto image = build_member_image(spec);
  const std::span<const std::byte> at(image.data() + 4096 + 8 * 512, image.size() - 4096 - 8 * 512);
  const auto bm = parse_bitmap_super(at);
  CHECK(bm.version == 4);
  CHECK(bm.events == 21);
  CHECK(bm.events_cleared == 17);
  CHECK(bm.sync_size_sectors == 262144);
  CHECK(bm.chunksize_bytes == 65536);
  CHECK(bm.chunk_count() == 2048);
  CHECK(bm.bit_bytes() == 256);
  CHECK_FALSE(bm.stale());
  const auto dirty = dirty_chunks(bm, at.subspan(256));
  CHECK(dirty == std::vector<std::uint64_t>{0, 7, 8, 9, 10, 100, 2047});
}

TEST_CASE("bitmap: bits past the last chunk are ignored, a partial last chunk counts") {
  MemberImageSpec spec;
  spec.size_sectors = 1000;  // 1000 sectors / 128 per chunk = 7.8 -> 8 chunks
  spec.dirty = {7};
  auto image = build_member_image(spec);
  const std::size_t bits_at = 4096 + 8 * 512 + 256;
  image[bits_at + 1] = std::byte{0xff};  // chunks 8..15 do not exist
  const auto bm = parse_bitmap_super(std::span<const std::byte>(image).subspan(4096 + 8 * 512));
  CHECK(bm.chunk_count() == 8);
  CHECK(dirty_chunks(bm, std::span<const std::byte>(image).subspan(bits_at)) ==
        std::vector<std::uint64_t>{7});
}

TEST_CASE("bitmap: errors-wrong magic, stale flag, bad chunk size, too few bytes") {
  std::vector<std::byte> zeros(512);
  CHECK_THROWS_WITH(parse_bitmap_super(zeros), doctest::Contains("no bitmap"));
  MemberImageSpec stale;
  stale.bitmap_state = 2;  // BITMAP_STALE
  const auto img = build_member_image(stale);
  CHECK(parse_bitmap_super(std::span<const std::byte>(img).subspan(4096 + 4096)).stale());
  MemberImageSpec odd;
  odd.chunk_bytes = 3000;
  odd.size_sectors = 3000;
  const auto bad = build_member_image(odd);
  CHECK_THROWS_WITH(parse_bitmap_super(std::span<const std::byte>(bad).subspan(4096 + 4096)),
                    doctest::Contains("power of two"));
  const auto good = build_member_image({});
  const auto bm = parse_bitmap_super(std::span<const std::byte>(good).subspan(8192));
  CHECK_THROWS_WITH(dirty_chunks(bm, std::span<const std::byte>(good).subspan(8192 + 256, 10)),
                    doctest::Contains("need 256"));
}

TEST_CASE("bitmap_set_bits: ranges are inclusive and merged, single chunks stand alone") {
  CHECK(to_ranges({}).empty());
  const auto ranges = to_ranges({9, 0, 7, 8, 10, 100, 2047, 8});
  CHECK(ranges == std::vector<ChunkRange>{{0, 0}, {7, 10}, {100, 100}, {2047, 2047}});
  CHECK(format_bitmap_set_bits(ranges) == std::vector<std::string>{"0 7-10 100 2047"});
  CHECK(format_bitmap_set_bits({}).empty());
}

TEST_CASE("bitmap_set_bits: long lists are split on range boundaries below one page") {
  std::vector<std::uint64_t> every_other;
  for (std::uint64_t c = 0; c < 4000; c += 2) every_other.push_back(c);
  const auto pieces = format_bitmap_set_bits(to_ranges(every_other), 4000);
  REQUIRE(pieces.size() > 1);
  std::size_t words = 0;
  for (const auto& p : pieces) {
    CHECK(p.size() <= 4000);
    CHECK(p.front() != ' ');
    CHECK(p.back() != ' ');
    words += static_cast<std::size_t>(std::count(p.begin(), p.end(), ' ')) + 1;
  }
  CHECK(words == every_other.size());
  CHECK(pieces.back().substr(pieces.back().rfind(' ') + 1) == "3998");
}

TEST_CASE("bitmap_set_bits: ranges rescaled between chunk sizes cover the same bytes") {
  const std::vector<ChunkRange> r{{3, 5}, {100, 100}};
  CHECK(rescale_ranges(r, 65536, 65536) == r);
  // 64 KiB chunks 3-5 are bytes 192K..384K-1 = 1 MiB chunk 0; chunk 100 is 6.25 MiB -> chunk 6.
  CHECK(rescale_ranges(r, 65536, 1 << 20) == std::vector<ChunkRange>{{0, 0}, {6, 6}});
  // 1 MiB chunk 1 is 64 KiB chunks 16..31.
  CHECK(rescale_ranges({{1, 1}}, 1 << 20, 65536) == std::vector<ChunkRange>{{16, 31}});
  CHECK(rescale_ranges({{0, 0}, {1, 1}}, 65536, 1 << 20) == std::vector<ChunkRange>{{0, 0}});
  CHECK_THROWS_AS(rescale_ranges(r, 0, 65536), ParseError);
}
