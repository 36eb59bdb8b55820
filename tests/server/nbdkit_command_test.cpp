// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "nbdkit_command.hpp"

using namespace netraid::server;

namespace {
std::vector<std::string> args(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

ServeRequest ok(std::initializer_list<const char*> l) {
  auto a = args(l);
  auto r = parse_serve_args(a);
  if (auto* e = std::get_if<std::string>(&r)) FAIL("unexpected error: " << *e);
  return std::get<ServeRequest>(r);
}

std::string err(std::initializer_list<const char*> l) {
  auto a = args(l);
  auto r = parse_serve_args(a);
  if (!std::holds_alternative<std::string>(r)) return "<accepted>";
  return std::get<std::string>(r);
}
}  // namespace

TEST_CASE("nbdkit_argv: ip filter before the plugin, allow list then deny=all") {
  ServeOptions o;
  o.tag = "data1";
  o.device = "/dev/sdb";
  o.listen = "10.0.0.2";
  o.port = 10900;
  o.allow = {"10.0.0.1", "10.0.0.5"};
  o.size = 1ull << 30;
  o.direct = true;
  o.plugin = "/usr/lib/netraid/nbdkit-netraid-plugin.so";
  o.pid_file = "/run/netraid/data1.pid";
  CHECK(nbdkit_argv(o) == args({"nbdkit", "--pidfile", "/run/netraid/data1.pid", "--ipaddr", "10.0.0.2", "--port",
                                "10900", "--filter=ip", "/usr/lib/netraid/nbdkit-netraid-plugin.so", "dev=/dev/sdb",
                                "tag=data1", "size=1073741824", "direct=true", "allow=10.0.0.1,10.0.0.5",
                                "deny=all"}));
}

TEST_CASE("nbdkit_argv: defaults leave out listen, size and direct") {
  ServeOptions o;
  o.tag = "t";
  o.device = "/dev/x y";  // a space stays inside one argument: no shell involved
  o.allow = {"::1"};
  o.plugin = "p.so";
  o.pid_file = "t.pid";
  CHECK(nbdkit_argv(o) == args({"nbdkit", "--pidfile", "t.pid", "--port", "10809", "--filter=ip", "p.so",
                                "dev=/dev/x y", "tag=t", "allow=::1", "deny=all"}));
}

TEST_CASE("parse_serve_args: start with every option") {
  auto r = ok({"data1", "--device", "/dev/sdb", "--listen", "127.0.0.1", "--port", "10900", "--allow", "127.0.0.2",
               "--allow", "::1", "--size", "1G", "--direct", "--takeover"});
  CHECK(r.action == ServeAction::start);
  CHECK(r.takeover);
  CHECK(r.opts.tag == "data1");
  CHECK(r.opts.device == "/dev/sdb");
  CHECK(r.opts.listen == "127.0.0.1");
  CHECK(r.opts.port == 10900);
  CHECK(r.opts.allow == args({"127.0.0.2", "::1"}));
  CHECK(r.opts.size == 1ull << 30);
  CHECK(r.opts.direct);
}

TEST_CASE("parse_serve_args: defaults") {
  auto r = ok({"--device", "/dev/sdb", "--allow", "10.1.1.1", "t"});
  CHECK(r.opts.port == kDefaultPort);
  CHECK(kDefaultPort == 10809);
  CHECK(r.opts.listen.empty());
  CHECK(!r.opts.size);
  CHECK(!r.opts.direct);
  CHECK(!r.takeover);
}

TEST_CASE("parse_serve_args: --stop and --status take only the tag") {
  CHECK(ok({"--stop", "t"}).action == ServeAction::stop);
  CHECK(ok({"t", "--status"}).action == ServeAction::status);
  CHECK(err({"--stop", "t", "--device", "/dev/sdb"}).find("take only TAG") != std::string::npos);
  CHECK(err({"--stop", "t", "--takeover"}).find("take only TAG") != std::string::npos);
  CHECK(err({"--stop", "--status", "t"}).find("exclude each other") != std::string::npos);
  CHECK(ok({"--stop", "t", "--drop"}).drop);
  CHECK_FALSE(ok({"--stop", "t"}).drop);
  CHECK(err({"t", "--drop", "--device", "/dev/sdb", "--allow", "::1"}).find("--drop goes with --stop") !=
        std::string::npos);
  CHECK(err({"--status", "t", "--drop"}).find("--drop goes with --stop") != std::string::npos);
  CHECK(err({"--stop"}).find("TAG is missing") != std::string::npos);
}

TEST_CASE("parse_serve_args: each bad input names the problem") {
  CHECK(err({"t", "--allow", "1.2.3.4"}).find("--device is required") != std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb"}).find("--allow is required") != std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb", "--allow", "host.example"}).find("--allow host.example") !=
        std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb", "--allow", "1.2.3.4", "--port", "0"}).find("--port 0") !=
        std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb", "--allow", "1.2.3.4", "--port", "65536"}).find("--port 65536") !=
        std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb", "--allow", "1.2.3.4", "--port", "12a"}).find("--port 12a") !=
        std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb", "--allow", "1.2.3.4", "--listen", "any"}).find("--listen any") !=
        std::string::npos);
  CHECK(err({"t", "--device", "/dev/sdb", "--allow", "1.2.3.4", "--size", "big"}).find("--size big") !=
        std::string::npos);
  CHECK(err({"t", "--device"}).find("--device needs a value") != std::string::npos);
  CHECK(err({"t", "--bogus"}).find("unknown option --bogus") != std::string::npos);
  CHECK(err({"t", "u", "--device", "/dev/sdb"}).find("unexpected argument u") != std::string::npos);
  CHECK(err({"../etc", "--device", "/dev/sdb", "--allow", "1.1.1.1"}).find("tag '../etc' must start with a letter") !=
        std::string::npos);
}

TEST_CASE("parse_serve_args: a repeated option is refused, a repeated --allow kept in order") {
  CHECK(err({"t", "--device", "a", "--device", "b", "--allow", "1.2.3.4"}) ==
        "netraid serve: option --device given twice: give it once: see netraid serve --help");
  CHECK(err({"t", "-d", "a", "--device", "b", "--allow", "1.2.3.4"}).find("option --device given twice") !=
        std::string::npos);
  CHECK(err({"t", "--device", "a", "--allow", "1.2.3.4", "--port", "1", "--port", "2"})
            .find("option --port given twice") != std::string::npos);
  CHECK(err({"--stop", "--stop", "t"}).find("option --stop given twice") != std::string::npos);
  auto r = ok({"t", "--device", "a", "--allow", "1.2.3.4", "--allow", "1.2.3.5"});
  CHECK(r.opts.allow == args({"1.2.3.4", "1.2.3.5"}));
  CHECK(ok({"t", "-d", "/dev/sdb", "--allow", "::1"}).opts.device == "/dev/sdb");
  CHECK(ok({"t", "--device=/dev/sdb", "--allow=::1"}).opts.device == "/dev/sdb");
  CHECK(err({"t", "-d"}) == "netraid serve: -d needs a value: see netraid serve --help");
  CHECK(err({"t", "--direct=1"}) ==
        "netraid serve: option --direct takes no value: drop '=1': see netraid serve --help");
  CHECK(err({"--stop", "--status", "t"}) ==
        "netraid serve: --stop and --status exclude each other: see netraid serve --help");
}

TEST_CASE("valid_address") {
  CHECK(valid_address("127.0.0.1"));
  CHECK(valid_address("::1"));
  CHECK(valid_address("fe80::1"));
  CHECK_FALSE(valid_address("localhost"));
  CHECK_FALSE(valid_address("1.2.3"));
  CHECK_FALSE(valid_address("1.2.3.4/24"));
  CHECK_FALSE(valid_address(""));
}

TEST_CASE("choose_plugin: env, then build tree, then installed") {
  CHECK(choose_plugin("/x.so", true, "/b.so", "/i.so") == "/x.so");
  CHECK(choose_plugin("", true, "/b.so", "/i.so") == "/b.so");
  CHECK(choose_plugin(nullptr, true, "/b.so", "/i.so") == "/b.so");
  CHECK(choose_plugin(nullptr, false, "/b.so", "/i.so") == "/i.so");
}

TEST_CASE("pid_file_for and cmdline_serves") {
  CHECK(pid_file_for("/run/netraid", "data1") == "/run/netraid/data1.pid");
  using namespace std::string_literals;
  const auto cmd = "nbdkit\0--pidfile\0/run/netraid/data1.pid\0p.so\0dev=/dev/sdb\0tag=data1\0"s;
  CHECK(cmdline_serves(cmd, "data1"));
  CHECK_FALSE(cmdline_serves(cmd, "data"));
  CHECK_FALSE(cmdline_serves(cmd, "data12"));
  CHECK(cmdline_serves("/usr/sbin/nbdkit\0tag=x\0"s, "x"));
  CHECK_FALSE(cmdline_serves("bash\0tag=x\0"s, "x"));
  CHECK_FALSE(cmdline_serves("", "x"));
}

TEST_CASE("nbdkit_argv: without a working stock ip filter the plugin gets allow=/deny=all") {
  ServeOptions o;
  o.tag = "t";
  o.device = "/dev/sdb";
  o.allow = {"10.0.0.1"};
  o.plugin = "p.so";
  o.pid_file = "t.pid";
  o.stock_ip_filter = false;
  CHECK(nbdkit_argv(o) == args({"nbdkit", "--pidfile", "t.pid", "--port", "10809", "p.so", "dev=/dev/sdb", "tag=t",
                                "allow=10.0.0.1", "deny=all"}));
  CHECK(ip_filter_probe_argv("nbdkit") ==
        args({"nbdkit", "-U", "-", "--filter=ip", "null", "allow=127.0.0.1", "deny=all", "--run", "true"}));
}
