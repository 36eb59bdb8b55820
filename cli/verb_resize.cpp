// SPDX-License-Identifier: GPL-2.0-or-later
// netraid resize: grow a mirror in service after its devices grew
// (DataKeeper's mirror_resize; scripts/mirror_resize wraps this verb).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli_support.hpp"
#include "netraid/mirror/advice.hpp"
#include "netraid/mirror/resize.hpp"

namespace {
using namespace netraid;
using namespace netraid::mirror;

const char* kUsageText =
    "usage: netraid resize TAG [--size KIB] [--yes]\n"
    "  Grows mirror TAG, in service and mounted, after its devices grew on this system and on every\n"
    "  target (lvextend): each target's NBD leg and md take the new size, md copies the added region\n"
    "  to the targets. The file system is not grown: the command prints how. --size: the new size in\n"
    "  KiB (default: what the smallest leg holds). Asks on the terminal first unless --yes.\n";

// Without --yes: ask on the terminal; with none, refuse naming the way not to be asked.
bool ask(const std::string& tag, Audience audience, const std::string& question) {
  if (!::isatty(STDIN_FILENO))
    throw UsageError("resize of " + tag + " asks for a confirmation and there is no terminal to ask on: run " +
                     resize_without_asking(tag, audience) + " to grow it without asking");
  std::fprintf(stderr, "netraid: resize: %s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

int run_resize(std::span<const std::string> args) {
  if (cli::wants_help(args, kUsageText)) return cli::kOk;
  return cli::run_verb("resize", [&] {
    auto a = cli::parse_args("resize", args, {"--size"}, {"--yes"});
    if (a.positional.size() != 1) throw cli::ArgsError("resize: give exactly one TAG: netraid resize TAG");
    resize::Request request;
    request.tag = a.positional[0];
    // Up to 2^44 KiB (16 PiB): far above any disk, far below overflowing bytes.
    if (a.has("--size")) request.size_kib = cli::parse_number("--size", a.values["--size"], 1, 1ULL << 44);
    mirror::Context ctx(settings::load());
    const auto audience = ctx.settings.advice_for;
    if (!a.has("--yes"))
      request.confirm = [&](const std::string& question) { return ask(request.tag, audience, question); };
    const auto r = resize::resize(ctx, request);
    std::printf("netraid: resize: %s is now %llu bytes (was %llu)\n", request.tag.c_str(),
                static_cast<unsigned long long>(r.new_bytes), static_cast<unsigned long long>(r.old_bytes));
    if (!r.fs_grow_command.empty())
      std::printf("netraid: resize: grow the file system yourself, now or after the resync: %s\n",
                  r.fs_grow_command.c_str());
    return cli::kOk;
  });
}
}  // namespace

NETRAID_VERB("resize", kLifecycle, "grow a mirror in service after its devices grew (mirror_resize)", run_resize);
