// SPDX-License-Identifier: GPL-2.0-or-later
// What every operation on a mirror works with: the Context (settings,
// config store, the System its effects go through, the operator's output),
// the runtime record of attached legs and paused targets, and what md says
// of the mirror's array on this system.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "netraid/mirror/config_store.hpp"
#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mdadm/member_metadata.hpp"
#include "netraid/mirror/errors.hpp"
#include "netraid/mirror/settings.hpp"
#include "netraid/mirror/system.hpp"

namespace netraid::mirror {

// Where effects go (system.hpp), what this system is (settings), and where
// the operator reads what happens (say). One per command.
struct Context {
  settings::Settings settings;
  config::Store store;
  std::shared_ptr<System> system;
  std::function<void(const std::string&)> say;  // progress lines for the operator

  explicit Context(settings::Settings s);  // the real system
  Context(settings::Settings s, std::shared_ptr<System> sys);
  ProgramResult run(const std::vector<std::string>& argv) const;          // local program
  ProgramResult run_checked(const std::vector<std::string>& argv) const;  // ... or OpError
  ProgramResult run_remote(const std::string& host, const std::vector<std::string>& args) const;
  // `mdadm ARGS`, ARGS from mdadm-glue's builders (the one place mdadm's
  // command lines are spelled and checked).
  ProgramResult mdadm(const mdadm::Argv& args) const;
  ProgramResult mdadm_checked(const mdadm::Argv& args) const;  // ... or OpError
};

// Takes LEG out of the array MD: --fail, then --remove, or OpError. md keeps
// a failed member busy until the recovery it was part of has stopped, so a
// --remove right after the --fail can get "Device or resource busy" (seen in
// the lab: a fullresync while a re-add was recovering): that is retried.
void fail_and_remove(const Context& ctx, const std::string& md, const std::string& leg);

// Runtime record of which /dev/nbdN serves which target (volatile: /run).
using Legs = std::map<std::string, std::string>;  // target host -> "/dev/nbdN"
Legs load_legs(const Context& ctx, const std::string& tag);
void save_legs(const Context& ctx, const std::string& tag, const Legs& legs);

// Targets whose replication the operator paused (volatile: /run).
std::vector<std::string> load_paused(const Context& ctx, const std::string& tag);
void save_paused(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts);

// The DataKeeper tunables in force for M on this system: this command's
// (environment, /etc/default/LifeKeeper) with M's own config over the file
// (tunables::for_mirror). Every reader of a per-mirror tunable uses this;
// a bad combination throws tunables::TunableError (one line).
tunables::Tunables mirror_tunables(const Context& ctx, const config::MirrorConfig& m);

// Helpers the verbs share.
std::string md_name(const std::string& md_device);  // "/dev/md0" -> "md0"
// An attribute of md's sysfs directory of MD_DEVICE, "" when absent.
std::string md_attribute(const Context& ctx, const std::string& md_device, const std::string& attribute);
bool md_active(const Context& ctx, const std::string& md_device);
// The first /dev/mdN no array uses, or OpError.
std::string free_md_device(const Context& ctx);
// M's array runs on this system: its md device is active with NODE's local
// leg in it. A bare md_active is not enough: a backup of several sources
// (N+1) may run another mirror's array under the same md name.
bool mirror_active(const Context& ctx, const config::MirrorConfig& m, const std::string& node);
// The md device M's array takes on this system: its configured one unless
// another array runs there, then the first free one.
std::string md_device_for(const Context& ctx, const config::MirrorConfig& m, const std::string& node);
std::string first_global_ipv4();
// Marks RANGES of chunks needed in MD_DEVICE's bitmap (md's bitmap_set_bits), so that
// every later re-add or recovery copies them. md also moves its resync
// checkpoint back to the first of them; when md had nothing to resync
// before (resync_start "none"), that is put back: the legs in the array
// agree on those chunks, and a resync would copy them again to every leg.
void mark_chunks_needed(const Context& ctx, const std::string& md_device, const std::vector<mdadm::ChunkRange>& ranges);

}  // namespace netraid::mirror
