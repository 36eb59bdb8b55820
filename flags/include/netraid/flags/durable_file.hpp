// Small files that survive a crash at any instant: a reader sees either the
// old content or the new, never a mix, and a write that returned is on disk.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace netraid::flags {

inline constexpr std::size_t kMaxFlagFileBytes = 64 * 1024;

// The whole file, or nullopt when it does not exist (ENOENT). Any other
// failure (EACCES, EIO, EISDIR, a missing parent directory, a file larger
// than kMaxFlagFileBytes) throws FlagError: a flag that cannot be read is
// never taken as absent.
std::optional<std::string> read_small_file(const std::string& path);

// Replaces dir/name by `content`: a temp file in the same directory,
// write, fsync, rename over the name, fsync of the directory.
void write_file_durably(const std::string& dir, const std::string& name, std::string_view content);

// Removes dir/name (already absent is fine) and fsyncs the directory.
void remove_file_durably(const std::string& dir, const std::string& name);

// mkdir -p with mode 0755, each created level fsynced into its parent.
void create_directories_durably(const std::string& dir);

}  // namespace netraid::flags
