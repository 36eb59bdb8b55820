// SPDX-License-Identifier: GPL-2.0-or-later
// The mirror's life on the source: create, extend, unextend, delete. Each
// operation checks everything it can before it changes anything, then runs
// its steps (mdadm, the target's netraid, kernel NBD) and says what it does.
// Failures are OpError: one line naming the problem and what to do, and the
// exit code the front end returns.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "netraid/mirror/context.hpp"

namespace netraid::mirror {

struct CreateRequest {
  std::string tag;
  std::string local_device;
  std::string address;  // where this system is reached; "" = first global IPv4
  std::string mount_dir;
  std::string fstype = "ext4";
  std::optional<unsigned> chunk_kib;  // none = LKDR_CHUNK_SIZE, else netraid's 64
  unsigned grace_seconds = 0;
  bool tls = true;  // false: --no-tls, the operator's choice of a plaintext link
  // --existing-fs: LOCAL_DEVICE holds a file system with data; mirror it in
  // place (existing_fs.hpp) instead of making a new one.
  bool existing_fs = false;
  // Test-only: called after each step of the --existing-fs conversion with
  // its name (the CLI stops the program there for NETRAID_TEST_CRASH_AFTER).
  std::function<void(const std::string&)> after_step;
};
void create(Context& ctx, const CreateRequest& request);
// What create and create --existing-fs do once md runs the new array: its
// speed limits, its TLS key (or the plaintext warning), its configuration,
// no legs yet, and this system as its source in the failover flags.
void record_new_mirror(const Context& ctx, const config::MirrorConfig& m);

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

// The other side of extend, run on a target through remote exec:
// `netraid node-info --json` (who this system is, its address, the mirrors
// it knows, so a source avoids their ports and disks) and `config-import`
// (store a mirror's configuration, keeping the md device used here).
std::string node_info_json(const Context& ctx, const std::string& version);
void import_config(const Context& ctx, const std::string& json);
void remove_mirror(Context& ctx, const std::string& tag, bool force);

// Pushes M's configuration to every other system of the mirror
// (`config-import` there); one that cannot be reached keeps its older copy,
// said as a warning naming what to run when it is back.
void share_config(Context& ctx, const config::MirrorConfig& m);

}  // namespace netraid::mirror
