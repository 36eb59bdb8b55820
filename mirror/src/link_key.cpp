// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/link_key.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "netraid/common/durable_file.hpp"
#include "netraid/common/first_line.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/nbd/error.hpp"

namespace netraid::mirror::link_key {

namespace fs = std::filesystem;
using common::first_line;

std::string key_file(const settings::Settings& s, const std::string& tag) { return s.conf_dir + "/" + tag + ".psk"; }

nbd::PskEntry entry_from_random(std::span<const std::uint8_t> random) {
  if (random.size() != kRandomBytes) throw std::invalid_argument("entry_from_random: wrong number of random bytes");
  static const char hex[] = "0123456789abcdef";
  nbd::PskEntry e;
  e.identity = "netraid-";
  for (std::size_t i = 0; i < 4; ++i) {
    e.identity += hex[random[i] >> 4];
    e.identity += hex[random[i] & 15];
  }
  e.key.assign(random.begin() + 4, random.end());
  return e;
}

std::vector<nbd::PskEntry> merge_entries(const std::vector<nbd::PskEntry>& kept,
                                         const std::vector<nbd::PskEntry>& incoming, Import how) {
  if (how == Import::kReplace) return incoming;
  auto out = kept;
  for (const auto& e : incoming) {
    bool known = false;
    for (const auto& k : out) known = known || k.identity == e.identity;
    if (!known) out.push_back(e);
  }
  return out;
}

nbd::PskEntry fresh_entry() {
  std::uint8_t random[kRandomBytes];
  std::size_t got = 0;
  while (got < sizeof random) {
    const auto n = ::getrandom(random + got, sizeof random - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw OpError(std::string("cannot draw a key from the kernel's random source: ") + std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  return entry_from_random(random);
}

bool has_key(const settings::Settings& s, const std::string& tag) {
  std::error_code ec;
  return fs::is_regular_file(key_file(s, tag), ec);
}

std::vector<nbd::PskEntry> read_entries(const settings::Settings& s, const std::string& tag) {
  const auto path = key_file(s, tag);
  try {
    // The client's own reader: the same mode and format checks as attach.
    nbd::read_client_psk(path);
    return nbd::parse_psk_file(common::read_small_file(path).value_or(""), path);
  } catch (const nbd::ClientError& e) {
    throw OpError(e.what());
  }
}

void write_entries(const settings::Settings& s, const std::string& tag, const std::vector<nbd::PskEntry>& entries) {
  common::create_directories_durably(s.conf_dir);
  common::write_file_durably(s.conf_dir, tag + ".psk", nbd::render_psk_file(entries), 0600);
}

void forget(const settings::Settings& s, const std::string& tag) {
  common::remove_file_durably(s.conf_dir, tag + ".psk");
}

void import_key(const settings::Settings& s, const std::string& tag, const std::string& text, Import how) {
  std::vector<nbd::PskEntry> incoming;
  try {
    incoming = nbd::parse_psk_file(text, "the key given on standard input");
  } catch (const nbd::ClientError& e) {
    throw UsageError(e.what());
  }
  if (incoming.empty()) throw UsageError("no key on standard input: key-import reads the mirror's key file from it");
  std::vector<nbd::PskEntry> kept;
  if (how == Import::kAdd && has_key(s, tag)) kept = read_entries(s, tag);
  write_entries(s, tag, merge_entries(kept, incoming, how));
}

void create_key(const Context& ctx, const std::string& tag) {
  write_entries(ctx.settings, tag, {fresh_entry()});
  ctx.say("made the mirror's TLS key " + key_file(ctx.settings, tag) + " (mode 0600)");
}

namespace {
ProgramResult import_on(const Context& ctx, const std::string& host, const std::string& tag,
                        const std::vector<nbd::PskEntry>& entries, Import how) {
  std::vector<std::string> args{"key-import", tag};
  if (how == Import::kAdd) args.push_back("--add");
  return ctx.system->run_on_with_input(host, args, nbd::render_psk_file(entries));
}
std::string why(const ProgramResult& r) { return first_line(r.err.empty() ? r.out : r.err); }
}  // namespace

void send_key(const Context& ctx, const std::string& host, const std::string& tag) {
  const auto r = import_on(ctx, host, tag, read_entries(ctx.settings, tag), Import::kReplace);
  if (r.exit_code != 0)
    throw OpError("cannot give " + host + " the mirror's TLS key: " + why(r) + ": check that it runs this netraid version");
}

void rotate(Context& ctx, const std::string& tag) {
  const auto m = ctx.store.load(tag);
  if (!m.tls)
    throw UsageError("mirror " + tag + " replicates in plaintext (created with --no-tls): it has no key to rotate");
  if (!m.find(ctx.settings.node_name))
    throw UsageError("this system (" + ctx.settings.node_name + ") is not part of mirror " + tag);
  const auto old_entries = read_entries(ctx.settings, tag);
  const auto fresh = fresh_entry();
  std::vector<std::string> others;
  for (const auto& s : m.systems)
    if (s.host != ctx.settings.node_name) others.push_back(s.host);
  // 1. Every other system accepts both keys. One that cannot be reached
  // would refuse every reconnect after the switch: stop before it.
  for (const auto& host : others) {
    const auto r = import_on(ctx, host, tag, {fresh}, Import::kAdd);
    if (r.exit_code != 0)
      throw OpError("cannot give " + host + " the new key of " + tag + ": " + why(r) +
                    ": nothing was switched (systems reached so far accept the old key and the new); rotate again when every system of the mirror is up");
  }
  // 2. This system's clients use the newest entry from now on.
  write_entries(ctx.settings, tag, merge_entries(old_entries, {fresh}, Import::kAdd));
  // 3. The old key is accepted nowhere any more.
  for (const auto& host : others) {
    const auto r = import_on(ctx, host, tag, {fresh}, Import::kReplace);
    if (r.exit_code != 0)
      ctx.say("warning: " + host + " still accepts the old key of " + tag + " as well: " + why(r) +
              " (run 'netraid rotate-key " + tag + "' again when it is reachable)");
  }
  write_entries(ctx.settings, tag, {fresh});
  ctx.say("new TLS key of " + tag + " (" + fresh.identity + ") on " + std::to_string(others.size() + 1) +
          " system(s); links already up keep their session keys until they reconnect");
}

}  // namespace netraid::mirror::link_key
