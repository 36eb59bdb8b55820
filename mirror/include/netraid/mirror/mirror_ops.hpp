// SPDX-License-Identifier: GPL-2.0-or-later
// The mirror's life on the source: create, extend, unextend, delete. Each
// operation checks everything it can before it changes anything, then runs
// its steps (mdadm, our own verbs locally and on the target) and says what it
// does on stdout. Failures are OpError: one line naming the problem and what
// to do, and the exit code the verb returns.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "netraid/mirror/config_store.hpp"
#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mirror/settings.hpp"

namespace netraid::mirror {

struct OpError : std::runtime_error {
  OpError(const std::string& message, int code = 1) : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};
// Bad input: nothing was changed (exit 2).
struct UsageError : OpError {
  explicit UsageError(const std::string& message) : OpError(message, 2) {}
};

struct ProgramResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Where effects go: real programs in production, the same in tests (the lab
// runs the real thing), but one seam keeps the steps readable.
struct Context {
  settings::Settings settings;
  config::Store store;
  std::string self_exe;  // this netraid binary, for our own verbs run locally
  std::function<void(const std::string&)> say;  // progress lines for the operator

  explicit Context(settings::Settings s);
  ProgramResult run(const std::vector<std::string>& argv) const;          // local program
  ProgramResult run_checked(const std::vector<std::string>& argv) const;  // ... or OpError
  ProgramResult run_self(const std::vector<std::string>& args) const;     // local `netraid ARGS`
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

struct CreateRequest {
  std::string tag;
  std::string local_device;
  std::string address;  // where this system is reached; "" = first global IPv4
  std::string mount_dir;
  std::string fstype = "ext4";
  unsigned chunk_kib = config::kDefaultBitmapChunkKib;
  unsigned grace_seconds = 0;
};
void create(Context& ctx, const CreateRequest& request);

struct ExtendRequest {
  std::string tag;
  std::string target;          // how remote exec reaches it (host name or address)
  std::uint16_t port = 0;       // 0 = the lowest port no other mirror uses there
  std::string target_device;   // "" = same path as the local leg
  std::string target_address;  // "" = the address the target reports
  int priority = 10;
  config::ReplicationMode mode = config::ReplicationMode::kSync;
};
void extend(Context& ctx, const ExtendRequest& request);

void unextend(Context& ctx, const std::string& tag, const std::string& target);
void remove_mirror(Context& ctx, const std::string& tag, bool force);

// Helpers the verbs share.
std::string md_name(const std::string& md_device);  // "/dev/md0" -> "md0"
bool md_active(const std::string& md_device);
// M's array runs on this system: its md device is active with NODE's local
// leg in it. A bare md_active is not enough: a backup of several sources
// (N+1) may run another mirror's array under the same md name.
bool mirror_active(const config::MirrorConfig& m, const std::string& node);
// The md device M's array takes on this system: its configured one unless
// another array runs there, then the first free one.
std::string md_device_for(const config::MirrorConfig& m, const std::string& node);
std::string first_global_ipv4();

}  // namespace netraid::mirror
