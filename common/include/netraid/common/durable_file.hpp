// SPDX-License-Identifier: GPL-2.0-or-later
// Small files that survive a crash at any instant: a reader sees either the
// old content or the new, never a mix, and a write that returned is on disk.
// Every file netraid writes (flags, configs, run state) goes through here.
// Failures throw FileError with one line naming the file and what to do.
#pragma once
#include <string>
#include <string_view>

namespace netraid::common {

// Replaces dir/name by `content`: a temp file of a fresh random name in the
// same directory, created with O_EXCL|O_NOFOLLOW (a file or symlink planted
// at any name is never opened, let alone written through), write, fsync,
// rename over the name, fsync of the directory. `dir` must exist.
// The file gets MODE (0600 for a secret: it never exists with a wider one).
void write_file_durably(const std::string& dir, const std::string& name, std::string_view content,
                        unsigned mode = 0644);

// The same for a whole path; its directory is created first when missing
// (run state under /run/netraid after a reboot).
void write_file_durably(const std::string& path, std::string_view content);

// Removes dir/name (already absent is fine) and fsyncs the directory.
void remove_file_durably(const std::string& dir, const std::string& name);

// mkdir -p with mode 0755, each created level fsynced into its parent.
void create_directories_durably(const std::string& dir);

}  // namespace netraid::common
