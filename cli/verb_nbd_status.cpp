// SPDX-License-Identifier: GPL-2.0-or-later
// netraid nbd-status [/dev/nbdN] [--json]: NBD_CMD_STATUS plus the backend and
// size the kernel keeps in /sys/block/nbdN.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "netraid/nbd/cli_args.hpp"
#include "netraid/nbd/client.hpp"
#include "verb.hpp"

namespace {
using namespace netraid::nbd;
const char* kUsage =
    "usage: netraid nbd-status [/dev/nbdN] [--json]\n"
    "Lists kernel NBD devices: connected or not, backend (nbd://HOST:PORT/TAG), size.\n"
    "With a device: exit 0 if it is connected, 1 if not.\n";

int run_status(std::span<const std::string> args) {
  if (wants_help(args, kUsage)) return netraid::cli::kOk;
  return run_client_verb("nbd-status", args, [&] {
    const auto a = parse_status_args(args);
    auto kernel = open_kernel();
    const auto devices = report(*kernel, a.index);
    if (a.json) {
      auto arr = nlohmann::json::array();
      for (const auto& d : devices) {
        nlohmann::json j{{"device", device_path(d.index)}, {"index", d.index}, {"connected", d.connected}};
        j["backend"] = d.backend ? nlohmann::json(*d.backend) : nlohmann::json(nullptr);
        j["size_bytes"] = d.size_bytes ? nlohmann::json(*d.size_bytes) : nlohmann::json(nullptr);
        arr.push_back(j);
      }
      std::printf("%s\n", arr.dump(2).c_str());
    } else {
      for (const auto& d : devices) {
        std::printf("%-14s %-13s", device_path(d.index).c_str(), d.connected ? "connected" : "disconnected");
        if (d.backend) std::printf(" %s", d.backend->c_str());
        if (d.size_bytes) std::printf(" %llu bytes", static_cast<unsigned long long>(*d.size_bytes));
        std::printf("\n");
      }
    }
    if (a.index) return (!devices.empty() && devices[0].connected) ? 0 : 1;
    return 0;
  });
}
}  // namespace

NETRAID_VERB("nbd-status", kBuildingBlocks, "list kernel NBD devices: connected, backend, size", run_status);
