// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_support.hpp"
#include "netraid/common/quote.hpp"

namespace {
const char* kUsageText =
    "usage: netraid extend TAG --target HOST[:PORT] [--target-device DEV] [--target-address ADDR]\n"
    "                      [--priority N] [--mode sync|async]\n"
    "  Adds HOST as a target of mirror TAG: starts the NBD server there (remote exec), attaches it\n"
    "  here as /dev/nbdN and adds it to the RAID1; a full initial sync follows ('netraid wait TAG').\n";

int run_extend(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("extend", [&] {
    auto a = cli::parse_args("extend", args,
                             {"--target", "--target-device", "--target-address", "--priority", "--mode"}, {});
    if (a.positional.size() != 1) throw cli::ArgsError("extend: give exactly one TAG: netraid extend TAG --target HOST");
    if (!a.has("--target")) throw cli::ArgsError("extend: --target HOST[:PORT] is required");
    auto hp = config::parse_host_port(a.values["--target"]);
    if (!hp)
      throw cli::ArgsError("extend: --target " + common::quoted(a.values["--target"]) +
                           " is not HOST or HOST:PORT (port 1-65535)");
    mirror::ExtendRequest req;
    req.tag = a.positional[0];
    req.target = hp->host;
    // An explicit :PORT is kept; otherwise extend picks a free one on the target.
    if (a.values["--target"].find(':') != std::string::npos) req.port = hp->port;
    req.target_device = a.value_or("--target-device", "");
    req.target_address = a.value_or("--target-address", "");
    if (a.has("--priority")) req.priority = static_cast<int>(cli::parse_number("--priority", a.values["--priority"], 1, 1000));
    if (a.has("--mode")) {
      auto mode = config::parse_mode(a.values["--mode"]);
      if (!mode) throw cli::ArgsError("extend: --mode " + common::quoted(a.values["--mode"]) + " is not sync or async");
      // Refused rather than stored: an administrator must not believe a
      // target is asynchronous (or that its lag is bounded) when it is not.
      if (*mode == config::ReplicationMode::kAsync)
        throw cli::ArgsError("extend: --mode async is not implemented yet (targets are written synchronously): use --mode sync");
      req.mode = *mode;
    }
    if (auto e = config::validate_tag(req.tag); !e.empty()) throw cli::ArgsError("extend: " + e);
    if (!req.target_device.empty())
      if (auto e = config::validate_device_path(req.target_device); !e.empty()) throw cli::ArgsError("extend: " + e);
    mirror::Context ctx(settings::load());
    mirror::extend(ctx, req);
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("extend", kLifecycle, "add a target system to a mirror (full initial sync)", run_extend);
