// SPDX-License-Identifier: GPL-2.0-or-later
// The mirror's TLS key (mirror/link_key.hpp): rotate-key for the operator,
// key-import for the source's extend and rotate-key on the other systems.
#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli_support.hpp"
#include "netraid/mirror/link_key.hpp"

namespace {
const char* kRotateUsage =
    "usage: netraid rotate-key TAG\n"
    "  Makes a new TLS key for mirror TAG and installs it on every system of the mirror without a\n"
    "  moment in which a reconnect is refused: first every system accepts the old key and the new,\n"
    "  then this system uses the new one, then the old one is dropped everywhere. Refused, nothing\n"
    "  switched, while a system of the mirror cannot be reached. Links already up keep their\n"
    "  session keys until they reconnect.\n";
const char* kImportUsage =
    "usage: netraid key-import TAG [--add | --forget]  < KEYFILE\n"
    "  Stores the mirror's TLS key read from standard input as /etc/netraid/TAG.psk (mode 0600);\n"
    "  --add keeps the keys already there (a rotation in progress); --forget removes the key and\n"
    "  reads nothing. extend and rotate-key run it on the other systems through remote exec.\n";

int run_rotate_key(std::span<const std::string> args) {
  using namespace netraid;
  if (cli::wants_help(args, kRotateUsage)) return cli::kOk;
  return cli::run_verb("rotate-key", [&] {
    auto a = cli::parse_args("rotate-key", args, {}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("rotate-key: give exactly one TAG: netraid rotate-key TAG");
    mirror::Context ctx(mirror::settings::load());
    mirror::link_key::rotate(ctx, a.positional[0]);
    return cli::kOk;
  });
}

int run_key_import(std::span<const std::string> args) {
  using namespace netraid;
  using netraid::mirror::link_key::Import;
  if (cli::wants_help(args, kImportUsage)) return cli::kOk;
  return cli::run_verb("key-import", [&] {
    auto a = cli::parse_args("key-import", args, {}, {"--add", "--forget"});
    if (a.positional.size() != 1) throw cli::ArgsError("key-import: give exactly one TAG");
    const auto& tag = a.positional[0];
    if (auto e = mirror::config::validate_tag(tag); !e.empty()) throw cli::ArgsError("key-import: " + e);
    if (a.has("--add") && a.has("--forget")) throw cli::ArgsError("key-import: --add and --forget exclude each other");
    const auto s = mirror::settings::load();
    if (a.has("--forget")) {
      mirror::link_key::forget(s, tag);
      return cli::kOk;
    }
    // A key file is a few lines; more than 64 KiB is not one.
    std::string text;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0 && text.size() <= 65536) text.append(buf, n);
    if (text.size() > 65536) throw cli::ArgsError("key-import: standard input is larger than a key file: give the mirror's .psk file");
    mirror::link_key::import_key(s, tag, text, a.has("--add") ? Import::kAdd : Import::kReplace);
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("rotate-key", kLifecycle, "replace a mirror's TLS key on every system of it", run_rotate_key);
NETRAID_VERB("key-import", kBetweenSystems, "store a mirror's TLS key given on stdin (used by extend, rotate-key)",
             run_key_import);
