// SPDX-License-Identifier: GPL-2.0-or-later
// The DataKeeper tunables netraid honours. Administrators coming from
// DataKeeper set them in /etc/default/LifeKeeper (read as data, see
// common/defaults_file.hpp) or in the environment; a mirror's own config
// (/etc/netraid/TAG.json, "tunables") may set the per-mirror keys for that
// mirror. netraid resolves them once per command, checks each, and remembers
// where each value came from so show-config can tell an administrator why a
// value is in force.
//
// Precedence: environment > mirror config > /etc/default/LifeKeeper >
// default. The environment wins because it is given for one command run:
// DataKeeper's LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT is read from the
// environment its scripts run in, and netraid's contract since the seed is
// that `LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=0 netraid restore TAG` decides
// that restore, whatever is stored; a stored value, file or mirror config,
// must not undo what the caller chose for this run.
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

enum class Origin { kDefault, kFile, kMirror, kEnvironment };
// "default", "/etc/default/LifeKeeper", "mirror config", "environment"
std::string_view to_string(Origin);

template <class T>
struct Setting {
  T value;
  Origin origin = Origin::kDefault;
  unsigned line = 0;  // the file's line when origin is kFile, for messages
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

// The keys a mirror's config may set for that mirror: LKDR_SPEED_LIMIT,
// LKDR_SPEED_LIMIT_MIN (its array's resync limits), LKDR_NO_FULL_SYNC (its
// extends), LKDR_CONNECT_NBD_DURING_RESTORE and
// LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT (its restores). Not LKDR_CHUNK_SIZE
// (it acts at create, before the mirror has a config; the chunk create chose
// is the config's bitmap_chunk_kib), LKCHECKINTERVAL (the monitor's period,
// one monitor for every mirror) or LKDR_ASYNC_LIMIT (not honoured).
const std::vector<std::string_view>& per_mirror_keys();

// A mirror's own values (MirrorConfig::tunables): key -> value as text.
using Overrides = std::map<std::string, std::string>;

// Pure: the tunables in force for mirror TAG. `base` is this command's
// resolve() (environment and file); each override replaces a per-mirror
// key unless the environment set it. Every override is checked, also one the
// environment hides; a key not in per_mirror_keys(), a bad value, or a
// minimum above the limit in force throws TunableError, one line naming the
// key, the value, where it came from and what is allowed:
//   "LKDR_SPEED_LIMIT='fast' (mirror config of datarep) is not a number of
//    KB/s from 1 to 100000000: fix it with 'netraid set datarep --tunable
//    LKDR_SPEED_LIMIT=VALUE' or drop it with 'netraid set datarep --tunable
//    LKDR_SPEED_LIMIT='"
Tunables for_mirror(const Tunables& base, const Overrides& overrides, std::string_view tag);

// The same check alone, against the defaults: "" when OVERRIDES are fine.
std::string overrides_problem(const Overrides& overrides, std::string_view tag);

// Adapter: reads `path` with common::read_small_file (absent is fine; a file
// that cannot be read throws TunableError, one line) and getenv() of
// known_keys(), then resolve().
Resolved load(const std::string& path = "/etc/default/LifeKeeper");

// One line per tunable, "KEY = VALUE (ORIGIN)":
//   "LKDR_CHUNK_SIZE = 64 (default)"
//   "LKDR_SPEED_LIMIT = md's system default (default)"
// kPerMirror: only per_mirror_keys() (status --json, per mirror).
enum class Scope { kAll, kPerMirror };
std::string render_human(const Tunables&, Scope scope = Scope::kAll);
// {"LKDR_CHUNK_SIZE": {"value": 64, "origin": "default"}, ...}: numbers,
// booleans, null for an unset optional.
std::string render_json(const Tunables&, Scope scope = Scope::kAll);

}  // namespace netraid::mirror::tunables
