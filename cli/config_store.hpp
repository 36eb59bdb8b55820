// Mirror configs on disk: one JSON file per tag in the config directory,
// written atomically and durably (temp file, fsync, rename, fsync of the dir)
// so a crash leaves either the old or the new file, never half of one.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mirror_config.hpp"

namespace netraid::config {

class Store {
 public:
  explicit Store(std::string dir);
  std::string path(const std::string& tag) const;
  // All mirrors; a file that does not parse is an error naming it (never skipped).
  std::vector<MirrorConfig> list() const;
  std::optional<MirrorConfig> find(const std::string& tag) const;
  // Throws std::invalid_argument "no mirror TAG ..." when absent (a bad argument: exit 2).
  MirrorConfig load(const std::string& tag) const;
  void save(const MirrorConfig& mirror) const;
  void remove(const std::string& tag) const;

 private:
  std::string dir_;
};

// Atomic durable replacement of a whole file (used for configs and runtime state).
void write_file_atomically(const std::string& path, const std::string& content);
std::optional<std::string> read_file(const std::string& path);

}  // namespace netraid::config
