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
  std::uint64_t superblock_offset_bytes = 0;  // where it was found
  std::optional<BitmapSuper> bitmap;       // absent without an internal bitmap
  std::vector<std::uint64_t> dirty_chunks; // empty without a bitmap
};

// Opens read-only with O_DIRECT off (page cache is fine: md writes
// superblocks synchronously, and a leg that is not assembled here has no
// writer on this host). Without an offset, looks where each 1.x format keeps
// its superblock (1.2 at 4 KiB, 1.0 at the end, 1.1 at 0) and takes the one
// whose magic and super_offset agree with where it was found; none: the
// ParseError of the 1.2 place ("blank or replaced disk?").
MemberMetadata read_member_metadata(const std::string& device,
                                    std::optional<std::uint64_t> superblock_offset = std::nullopt);

}  // namespace netraid::mdadm
