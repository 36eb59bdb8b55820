// SPDX-License-Identifier: GPL-2.0-or-later
// The mirror's pre-shared key for TLS on the replication link: one file per
// mirror on every system of it (CONF_DIR/TAG.psk, mode 0600, nbdkit's
// IDENTITY:HEXKEY format). `create` makes it, `extend` gives it to the new
// target over remote exec (on stdin, never in argv), `rotate-key` replaces it
// everywhere without a moment in which a reconnect would be refused, and
// `delete`/`unextend` remove it. The key is the only credential of the link:
// an address alone no longer reads or writes a replica (docs/security.md).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "netraid/mirror/context.hpp"
#include "netraid/nbd/tls.hpp"

namespace netraid::mirror::link_key {

std::string key_file(const settings::Settings& s, const std::string& tag);

// Pure: a key entry from random bytes: the first 4 name it ("netraid-" and
// their hex, so a rotation's new key has another identity), the rest is the key.
inline constexpr std::size_t kRandomBytes = 4 + nbd::kPskKeyBytes;
nbd::PskEntry entry_from_random(std::span<const std::uint8_t> random);

// Pure: the entries a system keeps after a key-import of `incoming`:
// replace = exactly them; add = the ones it had, then the incoming ones it
// lacked (a client uses the last entry: the newest).
enum class Import { kReplace, kAdd };
std::vector<nbd::PskEntry> merge_entries(const std::vector<nbd::PskEntry>& kept,
                                         const std::vector<nbd::PskEntry>& incoming, Import how);

// Effects on this system's key file.
nbd::PskEntry fresh_entry();  // from getrandom(2)
bool has_key(const settings::Settings& s, const std::string& tag);
std::vector<nbd::PskEntry> read_entries(const settings::Settings& s, const std::string& tag);
void write_entries(const settings::Settings& s, const std::string& tag, const std::vector<nbd::PskEntry>& entries);
void forget(const settings::Settings& s, const std::string& tag);
// The receiving side (`netraid key-import TAG [--add]`): TEXT is a key file.
void import_key(const settings::Settings& s, const std::string& tag, const std::string& text, Import how);

// Orchestration, on the source.
// A new mirror's key (create, unless --no-tls).
void create_key(const Context& ctx, const std::string& tag);
// Gives HOST this system's key of TAG (extend); OpError when it cannot.
void send_key(const Context& ctx, const std::string& host, const std::string& tag);
// A new key on every system of M: first added everywhere (both keys are
// accepted), then this system switches to it, then the old one is dropped
// everywhere. Refused, nothing switched, when a system cannot be reached.
void rotate(Context& ctx, const std::string& tag);

}  // namespace netraid::mirror::link_key
