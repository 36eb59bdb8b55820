// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/config_store.hpp"

#include <filesystem>
#include <stdexcept>

#include "netraid/common/durable_file.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"

namespace netraid::mirror::config {

namespace fs = std::filesystem;

void write_file_atomically(const std::string& path, const std::string& content) {
  common::write_file_durably(path, content);
}

std::optional<std::string> read_file(const std::string& path) { return common::read_small_file(path); }

Store::Store(std::string dir) : dir_(std::move(dir)) {}

std::string Store::file_name(const std::string& tag) {
  if (auto e = validate_tag(tag); !e.empty()) throw std::invalid_argument(e);
  return tag + ".json";
}

std::string Store::path(const std::string& tag) const { return dir_ + "/" + file_name(tag); }

std::vector<MirrorConfig> Store::list() const {
  std::vector<MirrorConfig> all;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return all;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "netraid.json" || name[0] == '.') continue;
    auto text = common::read_small_file(entry.path().string(), "config");
    if (!text) continue;
    try {
      all.push_back(parse(*text));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(common::printable(entry.path().string()) + ": " + e.what() + ": fix or remove the file");
    }
  }
  return all;
}

std::optional<MirrorConfig> Store::find(const std::string& tag) const {
  auto text = common::read_small_file(path(tag), "config");
  if (!text) return std::nullopt;
  try {
    return parse(*text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path(tag) + ": " + e.what() + ": fix or remove the file");
  }
}

MirrorConfig Store::load(const std::string& tag) const {
  auto m = find(tag);
  // An unknown tag is a bad argument (the verbs exit 2), not a failed operation.
  if (!m) throw std::invalid_argument("no mirror " + tag + " on this system: see 'netraid status' for the mirrors here");
  return *m;
}

void Store::save(const MirrorConfig& mirror) const { write_file_atomically(path(mirror.tag), render(mirror)); }

void Store::remove(const std::string& tag) const { common::remove_file_durably(dir_, file_name(tag)); }

}  // namespace netraid::mirror::config
