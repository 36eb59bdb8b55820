// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/seeded_targets.hpp"

#include <filesystem>
#include <sstream>

#include "peer_flags.hpp"

namespace netraid::mirror::seeded {

namespace {
std::string path(const Context& ctx, const std::string& tag) { return failover::flag_store(ctx).path(tag, "seeded"); }

void save(const Context& ctx, const std::string& tag, const std::set<std::string>& hosts) {
  if (hosts.empty()) {
    std::error_code ec;
    std::filesystem::remove(path(ctx, tag), ec);
    return;
  }
  std::string text;
  for (const auto& h : hosts) text += h + "\n";
  failover::flag_store(ctx).create_directory();
  config::write_file_atomically(path(ctx, tag), text);
}
}  // namespace

std::set<std::string> load(const Context& ctx, const std::string& tag) {
  std::set<std::string> hosts;
  const auto text = config::read_file(path(ctx, tag));
  if (!text) return hosts;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) hosts.insert(line);
  return hosts;
}

void mark(const Context& ctx, const std::string& tag, const std::string& host) {
  auto hosts = load(ctx, tag);
  hosts.insert(host);
  save(ctx, tag, hosts);
}

void clear(const Context& ctx, const std::string& tag, const std::string& host) {
  auto hosts = load(ctx, tag);
  if (!hosts.erase(host)) return;
  save(ctx, tag, hosts);
}

}  // namespace netraid::mirror::seeded
