// SPDX-License-Identifier: GPL-2.0-or-later
// Reading a file netraid itself keeps (flag, config, pid file, run state) in
// bounded time, whatever sits at its path: a FIFO would block open() or
// read() forever, a device may have side effects, a symlink may point
// anywhere. quickcheck, status and `serve --status` read through here.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace netraid::common {

inline constexpr std::size_t kMaxSmallFileBytes = 1024 * 1024;

// The whole file, or nullopt when nothing is at `path` (ENOENT). Anything but
// a regular file (symlink, FIFO, socket, device, directory), a file larger
// than max_bytes and every other failure (EACCES, EIO) throw FileError: one
// line "WHAT PATH is a FIFO, not a regular file: move it away ...". `what`
// names the file's role in that line ("flag", "config", "pid file").
std::optional<std::string> read_small_file(const std::string& path, std::string_view what = "file",
                                           std::size_t max_bytes = kMaxSmallFileBytes);

}  // namespace netraid::common
