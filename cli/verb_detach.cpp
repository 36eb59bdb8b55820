// SPDX-License-Identifier: GPL-2.0-or-later
// netraid detach /dev/nbdN: NBD_CMD_DISCONNECT. Detaching a device that is not
// attached succeeds (nothing to do), like stopping a stopped resource. A
// device md still holds (a live leg) is refused: the kernel would drop the
// leg behind md's back. netraid's own verbs detach only after md let go.
#include <cstdio>
#include <filesystem>
#include <optional>

#include "netraid/mirror/context.hpp"
#include "netraid/common/block_device.hpp"
#include "netraid/nbd/cli_args.hpp"
#include "netraid/nbd/client.hpp"
#include "netraid/nbd/error.hpp"
#include "verb.hpp"

namespace {
using namespace netraid::nbd;
namespace fs = std::filesystem;
const char* kUsage =
    "usage: netraid detach /dev/nbdN\n"
    "Disconnects the kernel NBD device. A device that is not attached is left as it is (exit 0).\n"
    "A leg of a mirror is refused: take it out with 'netraid unextend' or 'netraid pause'.\n";

struct LegOwner {
  std::string tag;
  std::string host;  // "" when the runtime record does not name it
};

// The mirror whose array is `md_name` on this system, and the target whose
// leg `nbd` is. Best effort: a message is all this serves.
std::optional<LegOwner> leg_owner(const std::string& md_name, const std::string& nbd) {
  try {
    netraid::mirror::Context ctx(netraid::mirror::settings::load());
    for (const auto& m : ctx.store.list()) {
      std::error_code ec;
      const auto md = fs::canonical(m.md_device, ec);
      if (ec || md.filename() != md_name) continue;
      LegOwner owner{m.tag, ""};
      for (const auto& [host, leg] : netraid::mirror::load_legs(ctx, m.tag))
        if (leg == nbd) owner.host = host;
      return owner;
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string leg_refusal(const std::string& nbd, const std::string& md_name, const std::optional<LegOwner>& owner) {
  if (!owner)
    return nbd + " is a member of the md array " + md_name + ": take it out of " + md_name + " first (mdadm /dev/" +
           md_name + " --fail " + nbd + " --remove " + nbd + ")";
  const std::string host = owner->host.empty() ? "TARGET" : owner->host;
  return nbd + " is a live leg of " + md_name + ", mirror " + owner->tag +
         (owner->host.empty() ? "" : " (target " + owner->host + ")") + ": take it out with 'netraid unextend " +
         owner->tag + " " + host + "' or 'netraid pause " + owner->tag + (owner->host.empty() ? "" : " " + host) + "'";
}

int run_detach(std::span<const std::string> args) {
  if (wants_help(args, kUsage)) return netraid::cli::kOk;
  return run_client_verb("detach", [&] {
    const auto index = parse_detach_args(args);
    const std::string path = device_path(index);
    const auto facts = netraid::common::inspect_device(path, false);
    std::string refused;
    if (const auto md = netraid::common::md_holder(facts); !md.empty())
      refused = leg_refusal(path, md, leg_owner(md, path));
    else if (const auto e = netraid::common::in_use_refusal(facts); !e.empty())
      refused = path + " " + e;
    if (!refused.empty()) throw ClientError(ErrorKind::kUsage, refused);
    auto kernel = open_kernel();
    if (!detach(*kernel, index))
      std::fprintf(stderr, "netraid: detach: %s is not attached: nothing to do\n", path.c_str());
    return 0;
  });
}
}  // namespace

NETRAID_VERB("detach", kBuildingBlocks, "disconnect a kernel NBD device /dev/nbdN", run_detach);
