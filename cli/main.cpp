// SPDX-License-Identifier: GPL-2.0-or-later
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "netraid/mirror/mirror_lock.hpp"
#include "netraid/common/quote.hpp"
#include "verb.hpp"

namespace netraid::cli {

namespace {
std::vector<Verb>& registry() {
  static std::vector<Verb> all;
  return all;
}

struct GroupTitle {
  VerbGroup group;
  const char* title;  // as netraid(8)'s =head2
};
constexpr GroupTitle kGroups[] = {
    {VerbGroup::kLifecycle, "Life of a mirror"},
    {VerbGroup::kReplication, "Replication control"},
    {VerbGroup::kFailover, "Failover (LifeKeeper restore, remove, quickCheck)"},
    {VerbGroup::kBuildingBlocks, "Building blocks"},
    {VerbGroup::kBetweenSystems, "Between the systems of a mirror"},
    {VerbGroup::kOther, "Other"},
};

void print_usage(std::FILE* out, bool all) {
  std::fprintf(out, "usage: netraid VERB [ARGS...]   (netraid VERB --help for details)\n");
  auto sorted = registry();
  std::sort(sorted.begin(), sorted.end(),
            [](const Verb& a, const Verb& b) { return std::string(a.name) < b.name; });
  for (const auto& g : kGroups) {
    if (g.group == VerbGroup::kBetweenSystems && !all) continue;
    std::fprintf(out, "\n%s:\n", g.title);
    for (const auto& v : sorted)
      if (v.group == g.group) std::fprintf(out, "  %-14s %s\n", v.name, v.synopsis);
  }
  if (!all) std::fprintf(out, "\n'netraid --help --all' also lists the verbs systems of a mirror run on each other.\n");
}
}  // namespace

void register_verb(const Verb& verb) { registry().push_back(verb); }
const std::vector<Verb>& verbs() { return registry(); }

namespace {
// A verb that changes a mirror runs holding the mirror's lock on this system
// (netraid/mirror/mirror_lock.hpp says which verbs, and the lock order): here, once,
// for every verb, before it reads anything it could act on.
int run_locked(const Verb& verb, std::span<const std::string> args) {
  std::optional<mirror::lock::MirrorLock> held;
  const int locked = run_verb(verb.name, [&] {
    const auto p = mirror::lock::plan(verb.name, args);
    if (!p.refusal.empty()) throw ArgsError(p.refusal);
    if (p.tag.empty()) return kOk;
    const unsigned wait_s = mirror::lock::wait_seconds(std::getenv("NETRAID_LOCK_WAIT"));
    held.emplace(mirror::lock::Locker(mirror::lock::run_dir_from_environment())
                     .acquire(p.tag, verb.name, wait_s, [&](const std::string& line) {
                       std::fprintf(stderr, "netraid: %s: %s\n", verb.name, line.c_str());
                     }));
    return kOk;
  });
  if (locked != kOk) return locked;
  return verb.run(args);
}
}  // namespace

}  // namespace netraid::cli

int main(int argc, char** argv) {
  using namespace netraid::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(stderr, false);
    return kUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    const bool all = args.size() > 1 && args[1] == "--all";
    if (args.size() > (all ? 2u : 1u)) {
      std::fprintf(stderr, "netraid: %s takes only --all: see 'netraid --help'\n", args[0].c_str());
      return kUsage;
    }
    print_usage(stdout, all);
    return kOk;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::printf("netraid %s\n", NETRAID_VERSION);
    return kOk;
  }
  for (const auto& v : verbs()) {
    if (args[0] == v.name) return run_locked(v, std::span<const std::string>(args).subspan(1));
  }
  std::fprintf(stderr, "netraid: unknown verb %s: run 'netraid --help' for the list of verbs\n",
               netraid::common::quoted(args[0]).c_str());
  return kUsage;
}
