// SPDX-License-Identifier: GPL-2.0-or-later
// Mirror configs on disk: one JSON file per tag in the config directory,
// written atomically and durably (netraid-common's durable_file: unique temp
// file, fsync, rename, fsync of the dir) so a crash leaves either the old or
// the new file, never half of one; read in bounded time whatever sits there.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "netraid/mirror/mirror_config.hpp"

namespace netraid::mirror::config {

class Store {
 public:
  explicit Store(std::string dir);
  // Throws std::invalid_argument (a bad argument: exit 2) for an invalid tag,
  // so no verb reads or writes a file named after one.
  std::string path(const std::string& tag) const;
  // All mirrors; a file that does not parse is an error naming it (never skipped).
  std::vector<MirrorConfig> list() const;
  std::optional<MirrorConfig> find(const std::string& tag) const;
  // Throws std::invalid_argument "no mirror TAG ..." when absent (a bad argument: exit 2).
  MirrorConfig load(const std::string& tag) const;
  void save(const MirrorConfig& mirror) const;
  void remove(const std::string& tag) const;

 private:
  static std::string file_name(const std::string& tag);  // TAG.json; refuses an invalid tag
  std::string dir_;
};

// The CLI's names for netraid-common's helpers (configs and run state):
// atomic durable replacement of a whole file, its directory created when
// missing; a small regular file read in bounded time, nullopt when absent.
void write_file_atomically(const std::string& path, const std::string& content);
std::optional<std::string> read_file(const std::string& path);

}  // namespace netraid::mirror::config
