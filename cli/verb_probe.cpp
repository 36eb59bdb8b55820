// SPDX-License-Identifier: GPL-2.0-or-later
// netraid probe HOST[:PORT] TAG [--size BYTES] [--json]: a user-space (libnbd)
// check that a target is up, serves TAG, is large enough and can flush and FUA.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "netraid/nbd/cli_args.hpp"
#include "netraid/nbd/client.hpp"
#include "netraid/nbd/error.hpp"
#include "verb.hpp"

namespace {
using namespace netraid::nbd;
const char* kUsage =
    "usage: netraid probe HOST[:PORT] TAG [--size BYTES] [--json] [--native]\n"
    "Checks with libnbd that the target is up, serves TAG, holds at least BYTES and\n"
    "honours flush and FUA. Exit 0 when usable as a mirror leg, 1 when not, 2 on bad arguments.\n"
    "--native uses netraid's own handshake (the one attach uses) instead of libnbd.\n";

int run_probe(std::span<const std::string> args) {
  if (wants_help(args, kUsage)) return netraid::cli::kOk;
  return run_client_verb("probe", args, [&] {
    const auto a = parse_probe_args(args);
    ProbeResult r;
    if (a.native) {
      TcpDialer dialer;
      const auto c = dialer.dial(a.target);
      r = {c.info.size, (c.info.flags & proto::kTxSendFlush) != 0, (c.info.flags & proto::kTxSendFua) != 0,
           (c.info.flags & proto::kTxReadOnly) != 0, (c.info.flags & proto::kTxCanMultiConn) != 0};
    } else {
      r = probe(a.target);
    }
    if (a.json) {
      nlohmann::json j{{"target", backend_identifier(a.target)}, {"size_bytes", r.size},
                       {"can_flush", r.can_flush}, {"can_fua", r.can_fua}, {"read_only", r.read_only},
                       {"can_multi_conn", r.can_multi_conn}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("TARGET=%s\nSIZE=%llu\nCAN_FLUSH=%d\nCAN_FUA=%d\nREAD_ONLY=%d\nCAN_MULTI_CONN=%d\n",
                  backend_identifier(a.target).c_str(), static_cast<unsigned long long>(r.size), r.can_flush,
                  r.can_fua, r.read_only, r.can_multi_conn);
    }
    const auto where = a.target.where() + " export '" + a.target.tag + "'";
    if (a.min_size && r.size < a.min_size)
      fail(ErrorKind::kTarget, where + " is " + std::to_string(r.size) + " bytes but " + std::to_string(a.min_size) +
                                   " are needed: give the target a larger disk");
    if (r.read_only) fail(ErrorKind::kTarget, where + " is read-only: serve it writable on the target");
    if (!r.can_flush || !r.can_fua)
      fail(ErrorKind::kTarget, where + " does not honour flush and FUA: fix the server's configuration");
    return 0;
  });
}
}  // namespace

NETRAID_VERB("probe", kBuildingBlocks, "check a target with libnbd: up, serves the tag, size, flush/FUA", run_probe);
