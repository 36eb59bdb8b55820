#include "cli_support.hpp"

#include <algorithm>

namespace netraid::cli {

int run_verb(const char* verb, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ArgsError& e) {
    std::fprintf(stderr, "netraid: %s\n", e.what());
    return kUsage;
  } catch (const ops::OpError& e) {
    std::fprintf(stderr, "netraid: %s: %s\n", verb, e.what());
    return e.exit_code;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "netraid: %s: %s\n", verb, e.what());
    return kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "netraid: %s: %s\n", verb, e.what());
    return kFailed;
  }
}

bool wants_help(std::span<const std::string> args, const char* usage) {
  if (std::find_if(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; }) ==
      args.end())
    return false;
  std::printf("%s", usage);
  return true;
}

}  // namespace netraid::cli
