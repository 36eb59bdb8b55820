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

MemberMetadata read_member_metadata(const std::string& device, std::uint64_t superblock_offset) {
  common::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    throw MemberReadError(device + ": cannot open: " + std::strerror(errno));
  MemberMetadata m;
  m.superblock = parse_superblock1(read_at(fd.get(), device, superblock_offset, 4096));
  if (!m.superblock.has_internal_bitmap()) return m;
  const auto at = bitmap_byte_offset(m.superblock);
  m.bitmap = parse_bitmap_super(read_at(fd.get(), device, at, kBitmapSuperBytes));
  const auto bits = read_at(fd.get(), device, at + kBitmapSuperBytes,
                            static_cast<std::size_t>(m.bitmap->bit_bytes()));
  m.dirty_chunks = dirty_chunks(*m.bitmap, bits);
  return m;
}

}  // namespace netraid::mdadm
