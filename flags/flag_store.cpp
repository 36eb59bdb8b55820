// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/flag_store.hpp"

#include <sys/stat.h>

#include <array>

#include "netraid/common/durable_file.hpp"
#include "netraid/common/file_error.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/names.hpp"

namespace netraid::flags {

namespace {

// "released" and "seeded" are written by netraid-mirror (released_copy.hpp,
// seeded_targets.hpp) through path().
constexpr std::array<std::string_view, 9> kFlagNames{"last_owner",   "source",   "data_corrupt",
                                                     "sync_state",   "targets",  "generation",
                                                     "wait_started", "released", "seeded"};

std::string file_name(std::string_view tag, std::string_view flag) {
  require_valid_tag(tag);
  return std::string(tag) + "_" + std::string(flag);
}

// The file helpers' errors, as the FlagError every caller of the store catches.
template <typename Fn>
auto as_flag_error(Fn&& fn) {
  try {
    return fn();
  } catch (const common::FileError& e) {
    throw FlagError(e.what());
  }
}

}  // namespace

std::string parse_node_flag(std::string_view text, std::string_view what) {
  if (text.empty() || text.back() != '\n')
    throw FlagError(std::string(what) + ": " + common::quoted(text.substr(0, 64)) +
                    " is not one node name and a newline: torn or foreign flag file");
  const auto node = text.substr(0, text.size() - 1);
  if (auto problem = node_name_problem(node))
    throw FlagError(std::string(what) + ": " + *problem + ": torn or foreign flag file");
  return std::string(node);
}

std::int64_t parse_wait_started(std::string_view text) {
  std::int64_t seconds = 0;
  const bool digits_only = text.size() >= 2 && text.size() <= 21 && text.back() == '\n' &&
                           text.substr(0, text.size() - 1).find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only)
    throw FlagError("wait_started: '" + std::string(text.substr(0, 32)) +
                    "' is not seconds since the epoch and a newline: torn or foreign flag file");
  for (char c : text.substr(0, text.size() - 1)) seconds = seconds * 10 + (c - '0');
  return seconds;
}

std::map<std::string, SyncState> parse_targets(std::string_view text) {
  std::map<std::string, SyncState> targets;
  if (!text.empty() && text.back() != '\n')
    throw FlagError("targets: last line has no newline: torn flag file");
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos)
      throw FlagError("targets: line " + common::quoted(line) + " is not 'NODE STATE': torn or foreign flag file");
    const auto node = line.substr(0, space);
    if (auto problem = node_name_problem(node)) throw FlagError("targets: " + *problem);
    targets[std::string(node)] = parse_sync_state(std::string(line.substr(space + 1)) + "\n");
  }
  return targets;
}

std::string format_targets(const std::map<std::string, SyncState>& targets) {
  std::string out;
  for (const auto& [node, state] : targets) out += node + " " + std::string(to_string(state)) + "\n";
  return out;
}

FlagStore::FlagStore(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty() || dir_.front() != '/')
    throw FlagError("flag directory " + common::quoted(dir_) + " is not an absolute path: set LKROOT");
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

std::string FlagStore::path(std::string_view tag, std::string_view flag) const {
  return dir_ + "/" + file_name(tag, flag);
}

void FlagStore::create_directory() const {
  as_flag_error([&] { common::create_directories_durably(dir_); });
}

std::optional<std::string> FlagStore::read(std::string_view tag, std::string_view flag) const {
  auto text = as_flag_error([&] { return common::read_small_file(path(tag, flag), "flag", kMaxFlagFileBytes); });
  struct stat st {};
  // Absent only if the directory itself is there: a missing flag directory
  // means a wrong LKROOT or an unmounted disk, not "no flag".
  if (!text && (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    throw FlagError("flag directory " + common::printable(dir_) +
                    " does not exist: check LKROOT, or create the mirror first");
  return text;
}

void FlagStore::write(std::string_view tag, std::string_view flag, std::string_view content) const {
  as_flag_error([&] { common::write_file_durably(dir_, file_name(tag, flag), content); });
}

void FlagStore::remove(std::string_view tag, std::string_view flag) const {
  as_flag_error([&] { common::remove_file_durably(dir_, file_name(tag, flag)); });
}

std::optional<std::string> FlagStore::read_node(std::string_view tag, std::string_view flag) const {
  const auto text = read(tag, flag);
  if (!text) return std::nullopt;
  return parse_node_flag(*text, path(tag, flag));
}

std::optional<std::string> FlagStore::last_owner(std::string_view tag) const { return read_node(tag, "last_owner"); }
void FlagStore::set_last_owner(std::string_view tag, std::string_view node) const {
  require_valid_node_name(node);
  write(tag, "last_owner", std::string(node) + "\n");
}
void FlagStore::clear_last_owner(std::string_view tag) const { remove(tag, "last_owner"); }

std::optional<std::string> FlagStore::source(std::string_view tag) const { return read_node(tag, "source"); }
void FlagStore::set_source(std::string_view tag, std::string_view node) const {
  require_valid_node_name(node);
  write(tag, "source", std::string(node) + "\n");
}
void FlagStore::clear_source(std::string_view tag) const { remove(tag, "source"); }

std::optional<std::string> FlagStore::data_corrupt(std::string_view tag) const {
  auto text = read(tag, "data_corrupt");
  if (text && !text->empty() && text->back() == '\n') text->pop_back();
  return text;
}
void FlagStore::set_data_corrupt(std::string_view tag, std::string_view reason) const {
  std::string line(reason);
  for (auto& c : line)
    if (c == '\n') c = ' ';
  write(tag, "data_corrupt", line + "\n");
}
void FlagStore::clear_data_corrupt(std::string_view tag) const { remove(tag, "data_corrupt"); }

std::optional<SyncState> FlagStore::sync_state(std::string_view tag) const {
  const auto text = read(tag, "sync_state");
  if (!text) return std::nullopt;
  try {
    return parse_sync_state(*text);
  } catch (const FlagError& e) {
    throw FlagError(path(tag, "sync_state") + ": " + e.what());
  }
}
void FlagStore::set_sync_state(std::string_view tag, SyncState state) const {
  write(tag, "sync_state", std::string(to_string(state)) + "\n");
}
void FlagStore::clear_sync_state(std::string_view tag) const { remove(tag, "sync_state"); }

std::map<std::string, SyncState> FlagStore::targets(std::string_view tag) const {
  const auto text = read(tag, "targets");
  if (!text) return {};
  try {
    return parse_targets(*text);
  } catch (const FlagError& e) {
    throw FlagError(path(tag, "targets") + ": " + e.what());
  }
}
void FlagStore::set_target_state(std::string_view tag, std::string_view node, SyncState state) const {
  require_valid_node_name(node);
  auto all = targets(tag);
  all[std::string(node)] = state;
  write(tag, "targets", format_targets(all));
}
void FlagStore::forget_target(std::string_view tag, std::string_view node) const {
  auto all = targets(tag);
  if (all.erase(std::string(node)) == 0) return;
  if (all.empty()) remove(tag, "targets");
  else write(tag, "targets", format_targets(all));
}

std::optional<Generation> FlagStore::generation(std::string_view tag) const {
  const auto text = read(tag, "generation");
  if (!text) return std::nullopt;
  try {
    return parse_generation(*text);
  } catch (const FlagError& e) {
    throw FlagError(path(tag, "generation") + ": " + e.what());
  }
}
void FlagStore::set_generation(std::string_view tag, const Generation& g) const {
  if (g.empty()) throw FlagError("generation of " + std::string(tag) + ": refusing to store an empty generation");
  write(tag, "generation", format_generation(g));
}

std::optional<std::int64_t> FlagStore::wait_started(std::string_view tag) const {
  const auto text = read(tag, "wait_started");
  if (!text) return std::nullopt;
  try {
    return parse_wait_started(*text);
  } catch (const FlagError& e) {
    throw FlagError(path(tag, "wait_started") + ": " + e.what());
  }
}
void FlagStore::set_wait_started(std::string_view tag, std::int64_t seconds_since_epoch) const {
  write(tag, "wait_started", std::to_string(seconds_since_epoch) + "\n");
}
void FlagStore::clear_wait_started(std::string_view tag) const { remove(tag, "wait_started"); }

void FlagStore::remove_all(std::string_view tag) const {
  for (const auto flag : kFlagNames) remove(tag, flag);
}

}  // namespace netraid::flags
