// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/settings.hpp"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"

namespace netraid::mirror::settings {

Settings parse(const std::string& json_text, const std::string& hostname, const std::string& env_conf_dir,
               const std::string& env_run_dir) {
  Settings s;
  if (!env_conf_dir.empty()) s.conf_dir = env_conf_dir;
  if (!env_run_dir.empty()) s.run_dir = env_run_dir;
  s.node_name = hostname;
  if (json_text.empty()) return s;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
    s.node_name = j.value("node_name", hostname);
    s.remote_netraid = j.value("remote_netraid", s.remote_netraid);
    s.fstab = j.value("fstab", s.fstab);
    s.fence_peer = j.value("fence_peer", s.fence_peer);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(common::printable(s.conf_dir) + "/netraid.json: " + e.what() +
                                ": fix or remove the file");
  }
  if (j.contains("remote_exec")) s.transport = remote::parse_transport(j["remote_exec"].dump());
  if (!s.fence_peer.empty() && s.fence_peer.front() != '/')
    throw std::invalid_argument(common::printable(s.conf_dir) + "/netraid.json: fence_peer '" +
                                common::printable(s.fence_peer) + "' is not an absolute path: give the handler's full path");
  return s;
}

Settings load() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string conf_dir = env("NETRAID_CONF_DIR");
  std::string path = (conf_dir.empty() ? std::string("/etc/netraid") : conf_dir) + "/netraid.json";
  // Read in bounded time: every verb, quickcheck included, starts here.
  const auto text = common::read_small_file(path, "settings");
  auto s = parse(text.value_or(""), host, conf_dir, env("NETRAID_RUN_DIR"));
  // Tunables are read once per command; a bad one stops every verb with one
  // line naming it, before anything is touched.
  auto resolved = tunables::load();
  s.tunables = resolved.tunables;
  s.tunable_warnings = std::move(resolved.warnings);
  if (const auto advice_for = env("NETRAID_ADVICE_FOR"); !advice_for.empty()) {
    const auto audience = parse_audience(advice_for);
    if (!audience)
      throw std::invalid_argument("NETRAID_ADVICE_FOR=" + common::quoted(advice_for) +
                                  " is not netraid, lifekeeper or pacemaker: unset it or give one of those");
    s.advice_for = *audience;
  }
  return s;
}

}  // namespace netraid::mirror::settings
