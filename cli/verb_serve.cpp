// SPDX-License-Identifier: GPL-2.0-or-later
// netraid serve: start, stop and query the nbdkit that serves a mirror's
// target disk with our plugin. Argument parsing and the nbdkit command line
// are pure (nbd-server/nbdkit_command.cpp), the process and its pid file
// under /run/netraid (NETRAID_RUN_DIR overrides) are nbd-server/
// serve_process.cpp; this file only prints what they return.
#include <cstdio>

#include "nbdkit_command.hpp"
#include "serve_process.hpp"
#include "netraid/mirror/link_key.hpp"
#include "netraid/mirror/settings.hpp"
#include "verb.hpp"

namespace {

using namespace netraid::server;
using namespace netraid::cli;

const char* kHelp =
    "usage: netraid serve TAG --device DEV --allow ADDR [--allow ADDR...]\n"
    "                     [--listen ADDR] [--port N] [--size BYTES] [--direct]\n"
    "                     [--takeover] [--tls]\n"
    "       netraid serve --stop TAG [--drop]   (--drop: kill, connections dropped unanswered)\n"
    "       netraid serve --status TAG     (exit 0 serving, 3 not serving)\n"
    "Serves DEV as export TAG with nbdkit and the netraid plugin, in the background;\n"
    "only the --allow addresses may connect. Default port 10809. --takeover stops a\n"
    "server of TAG started with other options (for a previous source) first. --tls:\n"
    "clients must use TLS with the mirror's key (/etc/netraid/TAG.psk).\n";

ServeResult act(const ServeRequest& req) {
  const std::string run_dir = run_dir_from_environment();
  switch (req.action) {
    case ServeAction::status:
      return serve_status(run_dir, req.opts.tag);
    case ServeAction::stop:
      return serve_stop(run_dir, req.opts.tag, req.drop);
    case ServeAction::start:
      break;
  }
  auto opts = req.opts;
  if (req.tls) opts.tls_psk_file = netraid::mirror::link_key::key_file(netraid::mirror::settings::load(), opts.tag);
  return serve_start(run_dir, opts, req.takeover);
}

int run_serve(std::span<const std::string> args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return kOk;
    }
  auto parsed = parse_serve_args(args);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "%s\n", err->c_str());
    return kUsage;
  }
  const ServeResult result = act(std::get<ServeRequest>(parsed));
  std::fputs(result.out.c_str(), stdout);
  std::fputs(result.err.c_str(), stderr);
  return result.exit_code;
}

}  // namespace

NETRAID_VERB("serve", kBuildingBlocks, "serve a mirror's target disk with nbdkit (start, --stop, --status)", run_serve);
