// SPDX-License-Identifier: GPL-2.0-or-later
// One `netraid` binary, many verbs (mdadm/drbdadm style). Each verb lives in
// its own cli/verb_*.cpp and registers itself here, so adding a verb never
// touches a shared file.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "netraid/mirror/exit_codes.hpp"

namespace netraid::cli {

// The exit codes (netraid/mirror/exit_codes.hpp) under their CLI names.
using enum mirror::Exit;


using VerbFn = int (*)(std::span<const std::string> args);

// The sections of `netraid --help` and of netraid(8)'s VERBS, in that order
// (tests/cli/man-lists-every-verb.sh keeps the two in step). The verbs one
// system runs on another are listed only by `netraid --help --all`, as
// drbdadm leaves drbdsetup's plumbing out of its own help.
enum class VerbGroup { kLifecycle, kReplication, kFailover, kBuildingBlocks, kBetweenSystems, kOther };

struct Verb {
  const char* name;
  VerbGroup group;
  const char* synopsis;  // one line, shown by `netraid --help`
  VerbFn run;
};

void register_verb(const Verb& verb);
const std::vector<Verb>& verbs();

struct VerbRegistrar {
  explicit VerbRegistrar(const Verb& verb) { register_verb(verb); }
};

}  // namespace netraid::cli

#define NETRAID_CONCAT_(a, b) a##b
#define NETRAID_CONCAT(a, b) NETRAID_CONCAT_(a, b)
#define NETRAID_VERB(name, group, synopsis, fn)                   \
  static const ::netraid::cli::VerbRegistrar NETRAID_CONCAT(      \
      netraid_verb_registrar_, __LINE__){{name, ::netraid::cli::VerbGroup::group, synopsis, fn}}
