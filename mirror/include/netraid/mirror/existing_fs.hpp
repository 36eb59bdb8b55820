// SPDX-License-Identifier: GPL-2.0-or-later
// `netraid create TAG --local DEV --existing-fs`: a partition that holds a
// file system with data becomes the mirror's local leg in place. md's
// metadata 1.0 keeps its superblock, bad block log and bitmap at the end of
// the partition and the data from byte 0, so the file system stays where it
// is; it only has to end before md's reserved area (ext4 is shrunk when it
// does not, xfs cannot be and is refused with the amount to grow).
//
// Pure parts here (geometry, plan, /proc/mounts, fstab), unit-tested in
// tests/mirror/existing_fs_test.cpp; the steps are convert_existing_fs()
// (existing_fs.cpp), called by create().
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netraid/common/block_device.hpp"
#include "netraid/mirror/context.hpp"

namespace netraid::mirror {
struct CreateRequest;
}

namespace netraid::mirror::existing_fs {

// md metadata 1.0 as mdadm 4.2 lays it out at --create (super1.c
// validate_geometry1/add_internal_bitmap1, measured in the lab: see
// docs/netraid.8.pod, --existing-fs): the space each member gives the
// array (md's component size) on a device of DEVICE_BYTES: the superblock
// 8-12 KiB before the end (4 KiB aligned), 4 KiB of bad block log, 4 KiB of
// bitmap room (64 KiB past 8 GiB, 128 KiB past 200 GiB), rounded down to
// 64 KiB.
std::uint64_t md10_data_bytes(std::uint64_t device_bytes);
// The smallest bitmap chunk in KiB mdadm accepts for an array of DATA_BYTES
// with metadata 1.0 (the bitmap must fit in the room above; a smaller
// --bitmap-chunk is refused: "Given bitmap chunk size not supported").
unsigned md10_min_chunk_kib(std::uint64_t data_bytes);
// The smallest device size whose md10_data_bytes holds DATA_BYTES.
std::uint64_t md10_device_bytes_for(std::uint64_t data_bytes);

struct FsFacts {
  std::string type;           // blkid's TYPE: "ext4", "xfs", "" = none found
  std::string uuid;           // the file system's UUID (the same on the partition and on md)
  std::string label;
  std::uint64_t block_bytes = 0;
  std::uint64_t size_bytes = 0;  // what the file system spans from byte 0
};

enum class Action { kFits, kShrink };

struct Plan {
  Action action = Action::kFits;
  std::uint64_t md_data_bytes = 0;    // the array's size
  std::uint64_t new_fs_blocks = 0;    // kShrink: resize2fs to this many file-system blocks
  unsigned chunk_kib = 0;             // the bitmap chunk md is created with
  std::string chunk_note;             // said when the chunk had to be raised
};

// Pure: what to do with FS on DEVICE (DEVICE_BYTES) for a bitmap of
// CHUNK_KIB, or the one-line refusal (OpError's text) in `refusal`.
struct Decision {
  std::optional<Plan> plan;
  std::string refusal;
};
Decision plan(const FsFacts& fs, const std::string& device, std::uint64_t device_bytes, unsigned chunk_kib);

// Parsers of the tools' text (pure).
FsFacts parse_blkid_export(const std::string& text);                 // blkid -p -u filesystem -o export
void parse_dumpe2fs(const std::string& text, FsFacts& fs);           // dumpe2fs -h: Block count, Block size
void parse_xfs_db(const std::string& text, FsFacts& fs);             // xfs_db -r -c 'sb 0' -c 'p dblocks blocksize'

struct MountEntry {
  std::string source;
  std::string dir;
  std::string type;
  std::string options;
};
// /proc/self/mounts, with the kernel's octal escapes (\040) undone.
std::vector<MountEntry> parse_mounts(const std::string& text);

// Pure: /etc/fstab's text with every entry whose device spec is one of
// SPECS (the partition's paths, UUID=, LABEL= of the file system, and their
// /dev/disk/by-* links) pointed at MD_DEVICE, "noauto" added to its options
// (md is assembled by netraid restore, not at boot: a boot-time mount would
// wait for a device that is not there), and a comment line above it with the
// entry as it was. Every other byte is kept. Unchanged text when no entry
// names the file system.
struct FstabEdit {
  std::string text;
  bool changed = false;
  std::vector<std::string> old_lines;  // the entries as they were
};
FstabEdit rewrite_fstab(const std::string& text, const std::vector<std::string>& specs, const std::string& md_device,
                        const std::string& tag);

// The conversion's journal, TAG.existing-fs in the config directory: what
// the file system was (mounted where, with which options) and how far the
// conversion got, so that a rerun after a crash resumes it.
struct Journal {
  std::string tag;
  std::string device;
  std::string fstype;
  std::string uuid;
  std::string mount_dir;      // "" = not mounted, and no --mount
  std::string mount_options;  // as /proc/self/mounts showed them
  std::string md_device;      // the array it is becoming ("/dev/md0")
  std::uint64_t original_fs_bytes = 0;
  std::string step;  // the last step done: planned, unmounted, shrunk, md-created, configured, mounted, fstab
};
std::string render_journal(const Journal& j);
Journal parse_journal(const std::string& text);  // throws std::invalid_argument

// The steps, in order: unmount, fsck + shrink (ext4, when needed), md's
// superblock at the end (mdadm --create --metadata=1.0), the mirror's
// configuration and flags, mount on md with the same options, fstab. Each
// intermediate state leaves the original file system mountable on the raw
// partition; the journal lets a rerun resume. After each step
// Hooks::after_step is called with its name (test-only: the lab's crash
// test stops the program there); `inspect` gathers the device's facts.
struct Hooks {
  std::function<void(const std::string& step)> after_step;
  std::function<common::DeviceFacts(const std::string& device)> inspect;
};
void convert(Context& ctx, const CreateRequest& request, const Hooks& hooks);

}  // namespace netraid::mirror::existing_fs
