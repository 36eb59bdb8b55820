// SPDX-License-Identifier: GPL-2.0-or-later
// Argument validation, backend identifiers and the backoff schedule.
#include <doctest/doctest.h>

#include <functional>

#include "netraid/nbd/cli_args.hpp"
#include "netraid/nbd/error.hpp"
#include "netraid/nbd/options.hpp"

using namespace netraid::nbd;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ClientError& e) {
    CHECK(e.kind == ErrorKind::kUsage);
    return e.what();
  }
  return "(no error)";
}
AttachOptions attach_args(std::vector<std::string> v) { return parse_attach_args(v); }
}  // namespace

TEST_CASE("targets: host, host:port, IPv6 in brackets") {
  auto t = parse_target("10.0.0.2", "m1");
  CHECK(t.host == "10.0.0.2");
  CHECK(t.port == 10809);
  CHECK(t.where() == "10.0.0.2:10809");
  t = parse_target("node-b.example:2000", "m1");
  CHECK(t.host == "node-b.example");
  CHECK(t.port == 2000);
  t = parse_target("[fd00::2]:10810", "m1");
  CHECK(t.host == "fd00::2");
  CHECK(t.port == 10810);
  CHECK(t.where() == "[fd00::2]:10810");
  CHECK(parse_target("[::1]", "m").port == 10809);
}

TEST_CASE("errors-targets: each names the problem and the fix") {
  CHECK(error_of([] { parse_target("", "m"); }) == "empty target address: give HOST[:PORT]");
  CHECK(error_of([] { parse_target("h:", "m"); }) == "empty port in 'h:': give HOST:PORT or HOST");
  CHECK(error_of([] { parse_target("h:0", "m"); }).find("invalid port '0': out of range: give 1..65535") == 0);
  CHECK(error_of([] { parse_target("h:70000", "m"); }).find("invalid port '70000'") == 0);
  CHECK(error_of([] { parse_target("h:12a", "m"); }).find("not a whole number") != std::string::npos);
  CHECK(error_of([] { parse_target("fd00::2", "m"); }).find("in brackets") != std::string::npos);
  CHECK(error_of([] { parse_target("[fd00::2", "m"); }).find("[ADDR]") != std::string::npos);
  CHECK(error_of([] { parse_target("a b", "m"); }).find("bad character in host") == 0);
  CHECK(error_of([] { parse_target(":10809", "m"); }).find("empty host") == 0);
  CHECK(error_of([] { parse_target("h", ""); }).find("empty tag") == 0);
  CHECK(error_of([] { parse_target("h", "a/b"); }).find("bad character in tag") == 0);
  CHECK(error_of([] { parse_target("h", "a b"); }).find("bad character in tag") == 0);
}

TEST_CASE("devices: /dev/nbdN and nbdN") {
  CHECK(parse_device("/dev/nbd0") == 0);
  CHECK(parse_device("nbd15") == 15);
  CHECK(device_path(7) == "/dev/nbd7");
  for (const char* bad : {"/dev/nbd", "/dev/sda", "/dev/nbd-1", "/dev/nbd01", "/dev/nbdx", "/dev/nbd99999999"})
    CHECK_MESSAGE(error_of([&] { parse_device(bad); }).find("/dev/nbd") != std::string::npos, bad);
}

TEST_CASE("numbers: ranges, suffixes, overflow") {
  CHECK(parse_uint("--size", "1G", 512, 1ULL << 62, true) == (1ULL << 30));
  CHECK(parse_uint("--size", "512", 512, 1ULL << 62, true) == 512);
  CHECK(parse_uint("--size", "3k", 512, 1ULL << 62, true) == 3072);
  CHECK(error_of([] { parse_uint("--size", "1G", 0, 10); }).find("not a whole number") != std::string::npos);
  CHECK(error_of([] { parse_uint("--size", "99999999999999999999999", 0, ~0ULL); }).find("too large") !=
        std::string::npos);
  CHECK(error_of([] { parse_uint("--size", "17179869184T", 0, ~0ULL, true); }).find("too large") != std::string::npos);
  CHECK(error_of([] { parse_uint("--size", "-1", 0, 10); }).find("not a number") != std::string::npos);
  CHECK(error_of([] { parse_uint("--size", "1X", 0, 10, true); }).find("unknown suffix") != std::string::npos);
  CHECK(error_of([] { parse_uint("--timeout", "", 1, 10); }) ==
        "invalid --timeout '': not a number: give 1..10 (a whole number)");
}

TEST_CASE("backend identifier round trip, and foreign identifiers are not ours") {
  const auto t = parse_target("[fd00::2]:10810", "mirror1");
  CHECK(backend_identifier(t) == "nbd://[fd00::2]:10810/mirror1");
  const auto back = parse_backend_identifier(backend_identifier(t));
  REQUIRE(back);
  CHECK(back->host == "fd00::2");
  CHECK(back->port == 10810);
  CHECK(back->tag == "mirror1");
  CHECK(parse_backend_identifier("nbd://10.0.0.1:10809/m")->host == "10.0.0.1");
  CHECK_FALSE(parse_backend_identifier(""));
  CHECK_FALSE(parse_backend_identifier("qemu-nbd /img"));
  CHECK_FALSE(parse_backend_identifier("nbd://10.0.0.1/m"));  // we always write a port
  CHECK_FALSE(parse_backend_identifier("nbd://10.0.0.1:10809"));
}

TEST_CASE("backoff doubles from 200 ms up to 5 s, giving up only when asked") {
  Backoff b;
  CHECK(b.delay(0).count() == 200);
  CHECK(b.delay(1).count() == 400);
  CHECK(b.delay(4).count() == 3200);
  CHECK(b.delay(5).count() == 5000);
  CHECK(b.delay(1000).count() == 5000);
  CHECK_FALSE(should_give_up(std::chrono::hours(1000), 0));
  CHECK_FALSE(should_give_up(std::chrono::milliseconds(29999), 30));
  CHECK(should_give_up(std::chrono::milliseconds(30000), 30));
}

TEST_CASE("attach arguments") {
  auto o = attach_args({"10.0.0.2:10810", "m1"});
  CHECK(o.target.port == 10810);
  CHECK_FALSE(o.index);
  CHECK(o.connections == 1);
  CHECK(o.timeout_s == 10);
  CHECK(o.dead_conn_timeout_s == 0);
  CHECK_FALSE(o.supervise);
  o = attach_args({"h", "m1", "--device", "/dev/nbd3", "--connections=4", "--size", "2G", "--timeout", "5",
                   "--dead-conn-timeout=60", "--supervise", "--give-up", "600"});
  CHECK(*o.index == 3);
  CHECK(o.connections == 4);
  CHECK(o.min_size == (2ULL << 30));
  CHECK(o.timeout_s == 5);
  CHECK(o.dead_conn_timeout_s == 60);
  CHECK(o.supervise);
  CHECK(o.give_up_s == 600);
}

TEST_CASE("errors-attach arguments") {
  CHECK(error_of([] { attach_args({"h"}); }) == "expected HOST[:PORT] TAG, got 1 argument(s): see --help");
  CHECK(error_of([] { attach_args({"h", "m", "x"}); }).find("expected HOST[:PORT] TAG") == 0);
  CHECK(error_of([] { attach_args({"h", "m", "--connections", "0"}); }).find("invalid --connections '0'") == 0);
  CHECK(error_of([] { attach_args({"h", "m", "--connections", "17"}); }).find("give 1..16") != std::string::npos);
  CHECK(error_of([] { attach_args({"h", "m", "--timeout", "0"}); }).find("invalid --timeout") == 0);
  CHECK(error_of([] { attach_args({"h", "m", "--timeout"}); }) == "option --timeout needs a value: see --help");
  CHECK(error_of([] { attach_args({"h", "m", "--bogus"}); }) == "unknown option '--bogus': see --help");
  CHECK(error_of([] { attach_args({"h", "m", "-x"}); }) == "unknown option '-x': see --help");
  CHECK(error_of([] { attach_args({"h", "m", "--supervise=1"}); }).find("takes no value") != std::string::npos);
  CHECK(error_of([] { attach_args({"h", "m", "--size", "1", "--size", "2"}); }).find("given twice") !=
        std::string::npos);
  CHECK(error_of([] { attach_args({"h", "m", "--give-up", "5"}); }).find("only applies with --supervise") != std::string::npos);
  CHECK(error_of([] { attach_args({"h", "m", "--device", "/dev/sdb"}); }).find("bad device '/dev/sdb'") == 0);
}

TEST_CASE("other verbs' arguments") {
  std::vector<std::string> a{"/dev/nbd2"};
  CHECK(parse_detach_args(a) == 2);
  CHECK(error_of([] { parse_detach_args(std::vector<std::string>{}); }).find("expected /dev/nbdN") == 0);
  std::vector<std::string> s{"--json"};
  CHECK(parse_status_args(s).json);
  CHECK_FALSE(parse_status_args(s).index);
  std::vector<std::string> w{"/dev/nbd1", "--give-up=30"};
  CHECK(parse_watch_args(w).give_up_s == 30);
  std::vector<std::string> p{"h:1", "m", "--size", "1M"};
  CHECK(parse_probe_args(p).min_size == (1u << 20));
  CHECK(error_of([] { parse_status_args(std::vector<std::string>{"--json", "--json"}); }) ==
        "option --json given twice: give it once");
  CHECK(error_of([] { parse_watch_args(std::vector<std::string>{"/dev/nbd1", "--give-up=1", "--give-up", "2"}); }) ==
        "option --give-up given twice: give it once");
  CHECK(error_of([] { attach_args({"h", "m", "--supervise=1"}); }) == "option --supervise takes no value: drop '=1'");
}
