// SPDX-License-Identifier: GPL-2.0-or-later
// Resolving the DataKeeper tunables (tunables.hpp): environment over
// /etc/default/LifeKeeper over netraid's defaults, every value checked
// before any command acts on it.
#include "netraid/mirror/tunables.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "netraid/common/file_error.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/flags/lkroot.hpp"

namespace netraid::mirror::tunables {

namespace {

constexpr std::string_view kFileName = flags::kLifeKeeperDefaults;

constexpr std::string_view kChunk = "LKDR_CHUNK_SIZE";
constexpr std::string_view kSpeed = "LKDR_SPEED_LIMIT";
constexpr std::string_view kSpeedMin = "LKDR_SPEED_LIMIT_MIN";
constexpr std::string_view kNoFullSync = "LKDR_NO_FULL_SYNC";
constexpr std::string_view kConnectNbd = "LKDR_CONNECT_NBD_DURING_RESTORE";
constexpr std::string_view kWait = "LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT";
constexpr std::string_view kCheckInterval = "LKCHECKINTERVAL";
constexpr std::string_view kAsyncLimit = "LKDR_ASYNC_LIMIT";

constexpr std::int64_t kDataKeeperChunkKib = 256;  // what LKDR_CHUNK_SIZE=0 means to DataKeeper

// A key's value as given, and where, for the message that refuses it.
struct Given {
  std::string_view key;
  std::string value;
  Origin origin = Origin::kDefault;
  unsigned line = 0;
  std::string_view tag;  // the mirror, when origin is kMirror
};

// "KEY='VALUE' (/etc/default/LifeKeeper line 3)", "KEY='VALUE' (environment)"
// or "KEY='VALUE' (mirror config of TAG)".
std::string named(const Given& g) {
  std::string where(to_string(g.origin));
  if (g.origin == Origin::kFile) where += " line " + std::to_string(g.line);
  if (g.origin == Origin::kMirror) where += " of " + std::string(g.tag);
  return std::string(g.key) + "=" + common::quoted(g.value) + " (" + where + ")";
}

std::string what_to_do(const Given& g) {
  switch (g.origin) {
    case Origin::kFile:
      return "fix it or remove the line";
    case Origin::kMirror: {
      const auto set = "'netraid set " + std::string(g.tag) + " --tunable " + std::string(g.key) + "=";
      return "fix it with " + set + "VALUE' or drop it with " + set + "'";
    }
    default:
      return "fix it or unset it";
  }
}

[[noreturn]] void refuse(const Given& g, const std::string& is_not) {
  throw TunableError(named(g) + " is " + is_not + ": " + what_to_do(g));
}

// Decimal digits with an optional '-', nothing else (no blanks, no unit).
std::int64_t number_in(const Given& g, std::int64_t low, std::int64_t high, const std::string& is_not) {
  std::int64_t value = 0;
  const auto* last = g.value.data() + g.value.size();
  const auto [end, ec] = std::from_chars(g.value.data(), last, value);
  if (ec != std::errc() || end != last || value < low || value > high) refuse(g, is_not);
  return value;
}

bool truth(const Given& g, const std::string& is_not) {
  std::string word;
  for (const char c : g.value) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word == "true" || word == "1" || word == "yes") return true;
  if (word == "false" || word == "0" || word == "no") return false;
  refuse(g, is_not);
}

template <class T, class V>
void take(Setting<T>& setting, V value, const Given& g) {
  setting.value = static_cast<T>(value);
  setting.origin = g.origin;
  setting.line = g.line;
}

// Checks G's value for its key and puts it in T.
void take_key(Tunables& t, const Given& g) {
  if (g.key == kChunk) {
    const std::string is_not = "not a power of 2 from 4 to 1048576 KiB";
    auto kib = number_in(g, 0, 1048576, is_not);
    if (kib == 0) kib = kDataKeeperChunkKib;
    if (kib < 4 || (kib & (kib - 1)) != 0) refuse(g, is_not);
    take(t.chunk_kib, kib, g);
  } else if (g.key == kSpeed || g.key == kSpeedMin) {
    take(g.key == kSpeed ? t.speed_limit_kbs : t.speed_limit_min_kbs,
         number_in(g, 1, 100000000, "not a number of KB/s from 1 to 100000000"), g);
  } else if (g.key == kNoFullSync) {
    if (g.value != "0" && g.value != "1") refuse(g, "not 0 or 1");
    take(t.no_full_sync, g.value == "1", g);
  } else if (g.key == kConnectNbd) {
    take(t.connect_nbd_during_restore, truth(g, "not True or False"), g);
  } else if (g.key == kWait) {
    take(t.wait_for_previous_source_s,
         number_in(g, -1, 31536000,
                   "not -1 (wait until it returns), 0 (do not wait) or a number of seconds up to 31536000"),
         g);
  } else if (g.key == kCheckInterval) {
    take(t.check_interval_s, number_in(g, 1, 86400, "not a number of seconds from 1 to 86400"), g);
  } else if (g.key == kAsyncLimit) {
    take(t.async_limit, number_in(g, 1, 1048576, "not a number from 1 to 1048576"), g);
  }
}

// A speed setting as the Given it came from, for a refusal that names it.
Given given_of(std::string_view key, const Setting<std::optional<std::uint64_t>>& s, std::string_view tag) {
  return {key, s.value ? std::to_string(*s.value) : std::string(), s.origin, s.line, tag};
}

// md throttles only above the minimum: with min > max the cap does nothing.
// The refusal names the one a mirror's config set when only one was (that is
// the one to change for this mirror), else the minimum.
void check_speed_pair(const Tunables& t, std::string_view tag) {
  const auto& max = t.speed_limit_kbs;
  const auto& min = t.speed_limit_min_kbs;
  if (!max.value || !min.value || *min.value <= *max.value) return;
  const auto g_max = given_of(kSpeed, max, tag);
  const auto g_min = given_of(kSpeedMin, min, tag);
  if (max.origin == Origin::kMirror && min.origin != Origin::kMirror)
    refuse(g_max, "below " + named(g_min) + ", so md would ignore that limit");
  refuse(g_min, "above " + named(g_max) + ", so md would ignore that limit");
}

// One line of show-config: the value as JSON and as DataKeeper spells it.
struct Row {
  std::string_view key;
  nlohmann::ordered_json value;
  std::string text;
  Origin origin;
};

template <class T>
Row row(std::string_view key, const Setting<T>& s, std::string text) {
  return {key, nlohmann::ordered_json(s.value), std::move(text), s.origin};
}

template <class T>
Row optional_row(std::string_view key, const Setting<std::optional<T>>& s, std::string_view unset) {
  const auto& v = s.value;
  auto value = v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  return {key, std::move(value), v ? std::to_string(*v) : std::string(unset), s.origin};
}

// The one list of the tunables, in show-config's order.
std::vector<Row> rows(const Tunables& t) {
  return {
      row(kChunk, t.chunk_kib, std::to_string(t.chunk_kib.value)),
      optional_row(kSpeed, t.speed_limit_kbs, "md's system default"),
      optional_row(kSpeedMin, t.speed_limit_min_kbs, "md's system default"),
      row(kNoFullSync, t.no_full_sync, t.no_full_sync.value ? "1" : "0"),
      row(kConnectNbd, t.connect_nbd_during_restore, t.connect_nbd_during_restore.value ? "True" : "False"),
      row(kWait, t.wait_for_previous_source_s, std::to_string(t.wait_for_previous_source_s.value)),
      row(kCheckInterval, t.check_interval_s, std::to_string(t.check_interval_s.value)),
      optional_row(kAsyncLimit, t.async_limit, "not set"),
  };
}

}  // namespace

std::string_view to_string(Origin origin) {
  switch (origin) {
    case Origin::kFile:
      return kFileName;
    case Origin::kMirror:
      return "mirror config";
    case Origin::kEnvironment:
      return "environment";
    case Origin::kDefault:
      break;
  }
  return "default";
}

const std::vector<std::string_view>& known_keys() {
  static const auto keys = [] {
    std::vector<std::string_view> names;
    for (const auto& r : rows(Tunables{})) names.push_back(r.key);
    return names;
  }();
  return keys;
}

Resolved resolve(const std::optional<common::DefaultsFile>& file, const std::map<std::string, std::string>& env) {
  Resolved r;
  if (file)
    for (const auto& problem : file->problems) r.warnings.push_back(std::string(kFileName) + " " + problem);
  // An empty value counts as unset (as LKROOT= does), so KEY= in the file
  // or an exported empty variable leaves the next source in force.
  const auto given = [&](std::string_view key) -> std::optional<Given> {
    const std::string name(key);
    if (const auto e = env.find(name); e != env.end() && !e->second.empty())
      return Given{key, e->second, Origin::kEnvironment, 0, {}};
    if (file)
      if (const auto f = file->entries.find(name); f != file->entries.end() && !f->second.value.empty())
        return Given{key, f->second.value, Origin::kFile, f->second.line, {}};
    return std::nullopt;
  };
  for (const auto key : known_keys())
    if (const auto g = given(key)) take_key(r.tunables, *g);
  check_speed_pair(r.tunables, "");
  return r;
}

const std::vector<std::string_view>& per_mirror_keys() {
  static const std::vector<std::string_view> keys{kSpeed, kSpeedMin, kNoFullSync, kConnectNbd, kWait};
  return keys;
}

Tunables for_mirror(const Tunables& base, const Overrides& overrides, std::string_view tag) {
  const auto& keys = per_mirror_keys();
  std::string allowed;
  for (const auto key : keys) allowed += (allowed.empty() ? "" : ", ") + std::string(key);
  // Each override checked on a copy, then put in force where the
  // environment has not set that key.
  Tunables checked;
  Tunables t = base;
  for (const auto& [key, value] : overrides) {
    const auto known = std::find(keys.begin(), keys.end(), key);
    // A key other than these (with a Given naming it: the message needs a
    // string_view that outlives this function, the override map's key).
    const Given g{known == keys.end() ? std::string_view(key) : *known, value, Origin::kMirror, 0, tag};
    if (known == keys.end())
      throw TunableError(named(g) + " is not a tunable a mirror can set: a mirror's config may set " + allowed +
                         " (others only in " + std::string(kFileName) + "): drop it with 'netraid set " +
                         std::string(tag) + " --tunable " + key + "='");
    if (value.empty()) continue;  // as in the file: empty = unset
    take_key(checked, g);
    Tunables one;
    take_key(one, g);
    const auto put = [&](auto& into, const auto& from) {
      if (into.origin != Origin::kEnvironment) into = from;
    };
    if (*known == kSpeed) put(t.speed_limit_kbs, one.speed_limit_kbs);
    if (*known == kSpeedMin) put(t.speed_limit_min_kbs, one.speed_limit_min_kbs);
    if (*known == kNoFullSync) put(t.no_full_sync, one.no_full_sync);
    if (*known == kConnectNbd) put(t.connect_nbd_during_restore, one.connect_nbd_during_restore);
    if (*known == kWait) put(t.wait_for_previous_source_s, one.wait_for_previous_source_s);
  }
  check_speed_pair(checked, tag);  // the mirror's own pair, wherever it runs
  check_speed_pair(t, tag);        // and what is in force here
  return t;
}

std::string overrides_problem(const Overrides& overrides, std::string_view tag) {
  try {
    for_mirror(Tunables{}, overrides, tag);
  } catch (const TunableError& e) {
    return e.what();
  }
  return {};
}

Resolved load(const std::string& path) {
  std::optional<std::string> text;
  try {
    text = common::read_small_file(path, "LifeKeeper defaults");
  } catch (const common::FileError& e) {
    throw TunableError(e.what());
  }
  std::map<std::string, std::string> env;
  for (const auto key : known_keys())
    if (const char* value = std::getenv(std::string(key).c_str())) env.emplace(key, value);
  std::optional<common::DefaultsFile> file;
  if (text) file = common::parse_defaults_file(*text);
  return resolve(file, env);
}

namespace {
std::vector<Row> rows_in(const Tunables& t, Scope scope) {
  auto all = rows(t);
  if (scope == Scope::kAll) return all;
  const auto& keys = per_mirror_keys();
  std::erase_if(all, [&](const Row& r) { return std::find(keys.begin(), keys.end(), r.key) == keys.end(); });
  return all;
}
}  // namespace

std::string render_human(const Tunables& t, Scope scope) {
  std::string out;
  for (const auto& r : rows_in(t, scope))
    out += std::string(r.key) + " = " + r.text + " (" + std::string(to_string(r.origin)) + ")\n";
  return out;
}

std::string render_json(const Tunables& t, Scope scope) {
  auto doc = nlohmann::ordered_json::object();  // show-config's order, not sorted
  for (const auto& r : rows_in(t, scope))
    doc[std::string(r.key)] = {{"value", r.value}, {"origin", std::string(to_string(r.origin))}};
  return doc.dump(2) + "\n";
}

}  // namespace netraid::mirror::tunables
