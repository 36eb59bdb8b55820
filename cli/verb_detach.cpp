// netraid detach /dev/nbdN: NBD_CMD_DISCONNECT. Detaching a device that is not
// attached succeeds (nothing to do), like stopping a stopped resource.
#include <cstdio>

#include "netraid/nbd/cli_args.hpp"
#include "netraid/nbd/client.hpp"
#include "verb.hpp"

namespace {
using namespace netraid::nbd;
const char* kUsage =
    "usage: netraid detach /dev/nbdN\n"
    "Disconnects the kernel NBD device. A device that is not attached is left as it is (exit 0).\n";

int run_detach(std::span<const std::string> args) {
  if (wants_help(args, kUsage)) return netraid::cli::kOk;
  return run_client_verb("detach", [&] {
    const auto index = parse_detach_args(args);
    auto kernel = open_kernel();
    if (!detach(*kernel, index))
      std::fprintf(stderr, "netraid: detach: %s is not attached: nothing to do\n", device_path(index).c_str());
    return 0;
  });
}
}  // namespace

NETRAID_VERB("detach", "disconnect a kernel NBD device /dev/nbdN", run_detach);
