#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "verb.hpp"

namespace netraid::cli {

namespace {
std::vector<Verb>& registry() {
  static std::vector<Verb> all;
  return all;
}

void print_usage(std::FILE* out) {
  std::fprintf(out, "usage: netraid VERB [ARGS...]   (netraid VERB --help for details)\n\nverbs:\n");
  auto sorted = registry();
  std::sort(sorted.begin(), sorted.end(),
            [](const Verb& a, const Verb& b) { return std::string(a.name) < b.name; });
  for (const auto& v : sorted) std::fprintf(out, "  %-14s %s\n", v.name, v.synopsis);
}
}  // namespace

void register_verb(const Verb& verb) { registry().push_back(verb); }
const std::vector<Verb>& verbs() { return registry(); }

}  // namespace netraid::cli

int main(int argc, char** argv) {
  using namespace netraid::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(stderr);
    return kUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(stdout);
    return kOk;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::printf("netraid %s\n", NETRAID_VERSION);
    return kOk;
  }
  for (const auto& v : verbs()) {
    if (args[0] == v.name) return v.run(std::span<const std::string>(args).subspan(1));
  }
  std::fprintf(stderr, "netraid: unknown verb '%s': run 'netraid --help' for the list of verbs\n",
               args[0].c_str());
  return kUsage;
}
