// SPDX-License-Identifier: GPL-2.0-or-later
// This node's own settings: its name, where mirror configs live, how to run
// netraid on another system. From /etc/netraid/netraid.json (optional) with
// environment overrides, so the lab can give every node its own.
#pragma once
#include <string>
#include <vector>

#include "netraid/mirror/advice.hpp"
#include "netraid/mirror/remote_exec.hpp"
#include "netraid/mirror/tunables.hpp"

namespace netraid::mirror::settings {

struct Settings {
  std::string conf_dir = "/etc/netraid";  // NETRAID_CONF_DIR
  std::string run_dir = "/run/netraid";   // NETRAID_RUN_DIR: runtime state (attachments)
  std::string node_name;                  // "node_name", else the hostname
  remote::Transport transport = remote::ssh_transport();  // "remote_exec"
  std::string remote_netraid = "netraid"; // "remote_netraid": the program on other systems
  // The fstab create --existing-fs keeps consistent ("fstab"; the lab gives
  // each node its own, as the nodes share the host's /etc).
  std::string fstab = "/etc/fstab";
  // Where the failover flags live; "" = $LKROOT/subsys/scsi/resources/netraid
  // (flags::flag_dir_from_system(), read when a flag is first needed).
  std::string flag_dir;
  // DataKeeper's tunables (/etc/default/LifeKeeper, the environment wins),
  // each checked, with where it came from; the file's own problems to say.
  tunables::Tunables tunables;
  std::vector<std::string> tunable_warnings;
  // Whose words advice is given in (advice.hpp): NETRAID_ADVICE_FOR, set by
  // the LifeKeeper scripts and the OCF agent; the netraid CLI's by default.
  Audience advice_for = Audience::kNetraid;
  // "fence_peer": the handler a link watcher runs as PROGRAM TAG HOST when a
  // target's link stays down (docs/pacemaker.md); "" = none. Absolute path.
  std::string fence_peer;
};

// Pure: settings from the JSON text of netraid.json ("" = none) and the
// environment values given. Throws std::invalid_argument with one line.
Settings parse(const std::string& json_text, const std::string& hostname, const std::string& env_conf_dir,
               const std::string& env_run_dir);

// Effects: reads the environment, the hostname and netraid.json.
Settings load();

}  // namespace netraid::mirror::settings
