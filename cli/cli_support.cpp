// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_support.hpp"

#include <algorithm>

#include "netraid/common/verb_error.hpp"

namespace netraid::cli {

namespace {

int run_reporting(const char* verb, bool json, const std::function<int()>& body) {
  const auto fail = [&](const std::string& message, int code) {
    common::report_failure(message, code, json);
    return code;
  };
  try {
    return body();
  } catch (const ArgsError& e) {
    return fail(e.what(), kUsage);  // already names the verb
  } catch (const mirror::OpError& e) {
    return fail(std::string(verb) + ": " + e.what(), e.exit_code);
  } catch (const std::invalid_argument& e) {
    return fail(std::string(verb) + ": " + e.what(), kUsage);
  } catch (const std::exception& e) {
    return fail(std::string(verb) + ": " + e.what(), kFailed);
  }
}

}  // namespace

int run_verb(const char* verb, const std::function<int()>& body) { return run_reporting(verb, false, body); }

int run_verb(const char* verb, std::span<const std::string> args, const std::function<int()>& body) {
  return run_reporting(verb, common::wants_json(args), body);
}

void say_on_stderr(mirror::Context& ctx) {
  ctx.say = [](const std::string& line) { std::fprintf(stderr, "netraid: %s\n", line.c_str()); };
}

bool wants_help(std::span<const std::string> args, const char* usage) {
  if (std::find_if(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; }) ==
      args.end())
    return false;
  std::printf("%s", usage);
  return true;
}

}  // namespace netraid::cli
