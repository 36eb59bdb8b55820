// SPDX-License-Identifier: GPL-2.0-or-later
// Resolving the DataKeeper tunables (tunables.hpp): environment over
// /etc/default/LifeKeeper over netraid's defaults, every value checked
// before any command acts on it.
#include "netraid/mirror/tunables.hpp"

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
};

// "KEY='VALUE' (/etc/default/LifeKeeper line 3)" or "KEY='VALUE' (environment)".
std::string named(const Given& g) {
  const std::string where = g.origin == Origin::kFile ? std::string(kFileName) + " line " + std::to_string(g.line)
                                                      : std::string(to_string(g.origin));
  return std::string(g.key) + "=" + common::quoted(g.value) + " (" + where + ")";
}

[[noreturn]] void refuse(const Given& g, const std::string& is_not) {
  throw TunableError(named(g) + " is " + is_not + ": " +
                     (g.origin == Origin::kFile ? "fix it or remove the line" : "fix it or unset it"));
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
      return Given{key, e->second, Origin::kEnvironment};
    if (file)
      if (const auto f = file->entries.find(name); f != file->entries.end() && !f->second.value.empty())
        return Given{key, f->second.value, Origin::kFile, f->second.line};
    return std::nullopt;
  };
  auto& t = r.tunables;

  if (const auto g = given(kChunk)) {
    const std::string is_not = "not a power of 2 from 4 to 1048576 KiB";
    auto kib = number_in(*g, 0, 1048576, is_not);
    if (kib == 0) kib = kDataKeeperChunkKib;
    if (kib < 4 || (kib & (kib - 1)) != 0) refuse(*g, is_not);
    take(t.chunk_kib, kib, *g);
  }

  const auto speed = [&](std::string_view key, Setting<std::optional<std::uint64_t>>& s) {
    const auto g = given(key);
    if (g) take(s, number_in(*g, 1, 100000000, "not a number of KB/s from 1 to 100000000"), *g);
    return g;
  };
  const auto max = speed(kSpeed, t.speed_limit_kbs);
  const auto min = speed(kSpeedMin, t.speed_limit_min_kbs);
  // md throttles only above the minimum: with min > max the cap does nothing.
  if (max && min && *t.speed_limit_min_kbs.value > *t.speed_limit_kbs.value)
    refuse(*min, "above " + named(*max) + ", so md would ignore that limit");

  if (const auto g = given(kNoFullSync)) {
    if (g->value != "0" && g->value != "1") refuse(*g, "not 0 or 1");
    take(t.no_full_sync, g->value == "1", *g);
  }
  if (const auto g = given(kConnectNbd)) take(t.connect_nbd_during_restore, truth(*g, "not True or False"), *g);
  if (const auto g = given(kWait))
    take(t.wait_for_previous_source_s,
         number_in(*g, -1, 31536000,
                   "not -1 (wait until it returns), 0 (do not wait) or a number of seconds up to 31536000"),
         *g);
  if (const auto g = given(kCheckInterval))
    take(t.check_interval_s, number_in(*g, 1, 86400, "not a number of seconds from 1 to 86400"), *g);
  if (const auto g = given(kAsyncLimit))
    take(t.async_limit, number_in(*g, 1, 1048576, "not a number from 1 to 1048576"), *g);
  return r;
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

std::string render_human(const Tunables& t) {
  std::string out;
  for (const auto& r : rows(t))
    out += std::string(r.key) + " = " + r.text + " (" + std::string(to_string(r.origin)) + ")\n";
  return out;
}

std::string render_json(const Tunables& t) {
  auto doc = nlohmann::ordered_json::object();  // show-config's order, not sorted
  for (const auto& r : rows(t))
    doc[std::string(r.key)] = {{"value", r.value}, {"origin", std::string(to_string(r.origin))}};
  return doc.dump(2) + "\n";
}

}  // namespace netraid::mirror::tunables
