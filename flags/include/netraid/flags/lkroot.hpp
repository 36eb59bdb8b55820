// SPDX-License-Identifier: GPL-2.0-or-later
// Where the flags live: $LKROOT/subsys/scsi/resources/netraid/. LKROOT comes
// from the environment, else from `LKROOT=` in /etc/default/LifeKeeper,
// else /opt/LifeKeeper (machines without LifeKeeper just get that path).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace netraid::flags {

inline constexpr std::string_view kDefaultLkroot = "/opt/LifeKeeper";
inline constexpr std::string_view kLifeKeeperDefaults = "/etc/default/LifeKeeper";

// Pure: `env` is getenv("LKROOT") (empty counts as unset); `defaults_text`
// the content of /etc/default/LifeKeeper if it exists. The last LKROOT=
// assignment wins (shell semantics); quotes and `export` are accepted; a
// value using $ expansion is a FlagError (set LKROOT in the environment).
std::string resolve_lkroot(std::optional<std::string_view> env, std::optional<std::string_view> defaults_text);

std::string netraid_flag_dir(std::string_view lkroot);

// Adapter: reads the environment and /etc/default/LifeKeeper (absent is
// fine; unreadable is a FlagError).
std::string flag_dir_from_system();

}  // namespace netraid::flags
