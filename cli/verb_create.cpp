// SPDX-License-Identifier: GPL-2.0-or-later
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli_support.hpp"

namespace {
const char* kUsageText =
    "usage: netraid create TAG --local DEVICE [--mount DIR [--fstype ext4|xfs]] [--chunk KIB] [--address ADDR]\n"
    "                      [--grace SECONDS] [--no-tls]\n"
    "       netraid create TAG --local DEVICE --existing-fs [--mount DIR] [--chunk KIB] [--address ADDR] ...\n"
    "  Creates mirror TAG on this system: a RAID1 of DEVICE alone (degraded), in service at once,\n"
    "  with an internal write-intent bitmap of KIB-KiB chunks (default LKDR_CHUNK_SIZE, else 64). With --mount, makes a\n"
    "  file system on it and mounts it. ADDR is where targets reach this system (default: its first IPv4).\n"
    "  --grace: I/O waits this long for a lost target to reconnect before md fails its leg (default 0).\n"
    "  The replication link uses TLS with a key made here (/etc/netraid/TAG.psk); --no-tls: plaintext,\n"
    "  where anyone holding the source's address can read and write the targets (docs/security.md).\n"
    "  --existing-fs: DEVICE holds an ext4 or xfs file system with data: mirror it in place (md metadata 1.0\n"
    "  at the end; ext4 shrunk first when it fills DEVICE), remounted on the mirror with the same options\n"
    "  (on DIR when it was not mounted), its /etc/fstab entry pointed at the mirror (noauto).\n";

int run_create(std::span<const std::string> args) {
  using namespace netraid;
  using namespace netraid::mirror;
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("create", [&] {
    auto a = cli::parse_args("create", args, {"--local", "--mount", "--fstype", "--chunk", "--address", "--grace"},
                            {"--no-tls", "--existing-fs"});
    if (a.positional.size() != 1) throw cli::ArgsError("create: give exactly one TAG: netraid create TAG --local DEVICE");
    if (!a.has("--local")) throw cli::ArgsError("create: --local DEVICE is required: the partition that holds the data");
    mirror::CreateRequest req;
    req.tag = a.positional[0];
    req.local_device = a.values["--local"];
    req.mount_dir = a.value_or("--mount", "");
    req.fstype = a.value_or("--fstype", "ext4");
    if (a.has("--fstype") && req.mount_dir.empty()) throw cli::ArgsError("create: --fstype needs --mount DIR");
    req.address = a.value_or("--address", "");
    if (a.has("--chunk"))
      req.chunk_kib = static_cast<unsigned>(cli::parse_number("--chunk", a.values["--chunk"], 4, 1u << 20));
    if (a.has("--grace"))
      req.grace_seconds = static_cast<unsigned>(cli::parse_number("--grace", a.values["--grace"], 0, 3600));
    req.tls = !a.has("--no-tls");
    req.existing_fs = a.has("--existing-fs");
    if (req.existing_fs && a.has("--fstype"))
      throw cli::ArgsError("create: --fstype is for a new file system: --existing-fs keeps the one on DEVICE");
    // Test-only (the lab's crash test): stop right after the named step of
    // the --existing-fs conversion, its effects on disk, as a crash would.
    if (const char* crash = std::getenv("NETRAID_TEST_CRASH_AFTER"); crash && *crash)
      req.after_step = [step = std::string(crash)](const std::string& done) {
        if (done != step) return;
        std::fprintf(stderr, "netraid: create: stopping after step %s (NETRAID_TEST_CRASH_AFTER)\n", done.c_str());
        ::sync();
        ::_exit(86);
      };
    mirror::Context ctx(settings::load());
    mirror::create(ctx, req);
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("create", kLifecycle, "create a mirror on a local device (degraded, in service at once)", run_create);
