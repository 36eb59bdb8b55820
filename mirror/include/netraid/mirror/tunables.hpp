// SPDX-License-Identifier: GPL-2.0-or-later
// The DataKeeper tunables netraid honours. Administrators coming from
// DataKeeper set them in /etc/default/LifeKeeper (read as data, see
// common/defaults_file.hpp) or in the environment; netraid resolves them
// once per command, checks each, and remembers where each value came from
// so show-config can tell an administrator why a value is in force.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "netraid/common/defaults_file.hpp"

namespace netraid::mirror::tunables {

enum class Origin { kDefault, kFile, kEnvironment };
std::string_view to_string(Origin);  // "default", "/etc/default/LifeKeeper", "environment"

template <class T>
struct Setting {
  T value;
  Origin origin = Origin::kDefault;
};

struct Tunables {
  // LKDR_CHUNK_SIZE: bitmap chunk at create, KiB, a power of 2 from 4 to
  // 1048576; 0 = DataKeeper's 256. netraid's default stays 64 (measured best
  // on this lab: fewer KiB resynced per dirty bit); the key, when set, wins.
  Setting<unsigned> chunk_kib{64};
  // LKDR_SPEED_LIMIT, KB/s 1..100000000; unset = md's system default.
  Setting<std::optional<std::uint64_t>> speed_limit_kbs;
  // LKDR_SPEED_LIMIT_MIN, same range; not above LKDR_SPEED_LIMIT when both
  // are set (md ignores the cap while it runs below the minimum).
  Setting<std::optional<std::uint64_t>> speed_limit_min_kbs;
  Setting<bool> no_full_sync{false};               // LKDR_NO_FULL_SYNC: 0 or 1
  // LKDR_CONNECT_NBD_DURING_RESTORE: True/False (also true/false/1/0/yes/no,
  // any case).
  Setting<bool> connect_nbd_during_restore{true};
  // LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT: -1 (wait until it returns), 0
  // (do not wait) or seconds up to 31536000.
  Setting<std::int64_t> wait_for_previous_source_s{-1};
  // LKCHECKINTERVAL: the monitor's period, 1..86400 s. DataKeeper's default
  // is 120; netraid's monitor default stays 10.
  Setting<unsigned> check_interval_s{10};
  // LKDR_ASYNC_LIMIT: 1..1048576; read and checked only (netraid mirrors
  // synchronously), so a bad value is caught as DataKeeper would.
  Setting<std::optional<unsigned>> async_limit;
};

struct TunableError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Resolved {
  Tunables tunables;
  // The file's own problems (lines skipped), each one line starting
  // "/etc/default/LifeKeeper line N: ", for the command to print.
  std::vector<std::string> warnings;
};

// Pure. `file`: the parsed /etc/default/LifeKeeper, nullopt when absent;
// `env`: the environment's values of known_keys() (only those present). The
// environment wins over the file for every key; an empty value counts as
// unset. A bad value throws TunableError, one line naming the key, the value,
// where it came from and what is allowed:
//   "LKDR_CHUNK_SIZE='100' (/etc/default/LifeKeeper line 3) is not a power
//    of 2 from 4 to 1048576 KiB: fix it or remove the line"
Resolved resolve(const std::optional<common::DefaultsFile>& file, const std::map<std::string, std::string>& env);

// The keys above, in show-config's order (for reading the environment).
const std::vector<std::string_view>& known_keys();

// Adapter: reads `path` with common::read_small_file (absent is fine; a file
// that cannot be read throws TunableError, one line) and getenv() of
// known_keys(), then resolve().
Resolved load(const std::string& path = "/etc/default/LifeKeeper");

// One line per tunable, "KEY = VALUE (ORIGIN)":
//   "LKDR_CHUNK_SIZE = 64 (default)"
//   "LKDR_SPEED_LIMIT = md's system default (default)"
std::string render_human(const Tunables&);
// {"LKDR_CHUNK_SIZE": {"value": 64, "origin": "default"}, ...}: numbers,
// booleans, null for an unset optional.
std::string render_json(const Tunables&);

}  // namespace netraid::mirror::tunables
