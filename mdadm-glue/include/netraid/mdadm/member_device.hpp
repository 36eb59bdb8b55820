// SPDX-License-Identifier: GPL-2.0-or-later
// Reads the md superblock and internal bitmap of a member device (a local
// partition, or a remote leg through its NBD device) with pread(). Thin: the
// decoding is member_metadata.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "netraid/mdadm/member_metadata.hpp"

namespace netraid::mdadm {

// The device could not be opened or read (not a format problem: those are
// ParseError).
struct MemberReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct MemberMetadata {
  Superblock1 superblock;
  std::optional<BitmapSuper> bitmap;       // absent without an internal bitmap
  std::vector<std::uint64_t> dirty_chunks; // empty without a bitmap
};

// Opens read-only with O_DIRECT off (page cache is fine: md writes
// superblocks synchronously, and a leg that is not assembled here has no
// writer on this host).
MemberMetadata read_member_metadata(const std::string& device,
                                    std::uint64_t superblock_offset = kSuperblock12Offset);

}  // namespace netraid::mdadm
