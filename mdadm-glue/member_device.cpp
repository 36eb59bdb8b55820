// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/member_device.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netraid/common/unique_fd.hpp"

namespace netraid::mdadm {

namespace {

std::vector<std::byte> read_at(int fd, const std::string& device, std::uint64_t offset,
                               std::size_t length) {
  std::vector<std::byte> buf(length);
  std::size_t done = 0;
  while (done < length) {
    const auto n = ::pread(fd, buf.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw MemberReadError(device + ": read of " + std::to_string(length) + " bytes at " +
                            std::to_string(offset) + " failed: " + std::strerror(errno));
    if (n == 0)
      throw MemberReadError(device + ": ends before byte " + std::to_string(offset + length) +
                            ": too small to be an md member");
    done += static_cast<std::size_t>(n);
  }
  return buf;
}

}  // namespace

MemberMetadata read_member_metadata(const std::string& device, std::optional<std::uint64_t> superblock_offset) {
  common::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    throw MemberReadError(device + ": cannot open: " + std::strerror(errno));
  MemberMetadata m;
  if (!superblock_offset) {
    superblock_offset = kSuperblock12Offset;
    const off_t end = ::lseek(fd.get(), 0, SEEK_END);
    std::vector<std::uint64_t> places{kSuperblock12Offset};
    if (end > 0 && superblock10_offset(static_cast<std::uint64_t>(end)) > kSuperblock12Offset)
      places.push_back(superblock10_offset(static_cast<std::uint64_t>(end)));
    places.push_back(kSuperblock11Offset);
    for (const auto at : places) {
      if (end > 0 && at + 4096 > static_cast<std::uint64_t>(end)) continue;
      const auto head = read_at(fd.get(), device, at, 256);
      auto le = [&](std::size_t pos, std::size_t width) {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < width; ++i) v |= std::to_integer<std::uint64_t>(head[pos + i]) << (8 * i);
        return v;
      };
      // magic, major 1, and super_offset (byte 144, sectors) naming this place.
      if (le(0, 4) == kSuperblock1Magic && le(4, 4) == 1 && le(144, 8) * 512 == at) {
        superblock_offset = at;
        break;
      }
    }
  }
  m.superblock = parse_superblock1(read_at(fd.get(), device, *superblock_offset, 4096));
  m.superblock_offset_bytes = *superblock_offset;
  if (!m.superblock.has_internal_bitmap()) return m;
  const auto at = bitmap_byte_offset(m.superblock);
  m.bitmap = parse_bitmap_super(read_at(fd.get(), device, at, kBitmapSuperBytes));
  const auto bits = read_at(fd.get(), device, at + kBitmapSuperBytes,
                            static_cast<std::size_t>(m.bitmap->bit_bytes()));
  m.dirty_chunks = dirty_chunks(*m.bitmap, bits);
  return m;
}

}  // namespace netraid::mdadm
