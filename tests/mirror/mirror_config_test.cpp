// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <stdexcept>

#include "netraid/mirror/mirror_config.hpp"

using namespace netraid::mirror::config;

namespace {
MirrorConfig two_node() {
  MirrorConfig m;
  m.tag = "datarep";
  m.md_device = "/dev/md/netraid-datarep";
  m.systems = {{"n1", "10.201.0.11", "/dev/ubda", 10809, 1, ReplicationMode::kSync},
               {"n2", "10.201.0.12", "/dev/ubda", 10809, 10, ReplicationMode::kAsync}};
  return m;
}
}  // namespace

TEST_CASE("tags: letters, digits, - _ . and nothing a shell or path would read") {
  CHECK(validate_tag("datarep-ext3").empty());
  CHECK(validate_tag("a.b_c-1").empty());
  CHECK(validate_tag("").find("empty") != std::string::npos);
  CHECK(validate_tag("-x").find("must start with a letter or digit") != std::string::npos);
  CHECK(validate_tag("a/b").find("contains '/'") != std::string::npos);
  CHECK(validate_tag("a b").find("contains ' '") != std::string::npos);
  CHECK(validate_tag("x;rm").find("contains ';'") != std::string::npos);
  // md's superblock keeps 31 characters of a name: a longer tag is refused here, not cut by mdadm.
  CHECK(validate_tag(std::string(31, 'a')).empty());
  CHECK(validate_tag(std::string(32, 'a')).find("longer than 31") != std::string::npos);
  CHECK(validate_tag("bad\nnetraid: forged") ==
        "tag 'bad\\nnetraid: forged' contains '\\n': use only letters, digits, '.', '_' and '-'");
}

TEST_CASE("devices and hosts: errors-user input is quoted on one line") {
  CHECK(validate_device_path("sdb\nx") == "device 'sdb\\nx' is not an absolute path: give e.g. /dev/sdb1");
  CHECK(validate_device_path("/dev/sd\nb").find("'/dev/sd\\nb' contains a control character") != std::string::npos);
  CHECK(validate_device_path("/dev/sdb1").empty());
  CHECK(validate_host("n1\nforged") ==
        "system name 'n1\\nforged' has invalid characters: use a hostname or an IP address");
}

TEST_CASE("render then parse gives the same mirror") {
  auto m = two_node();
  m.mount_dir = "/data";
  m.fstype = "xfs";
  auto back = parse(render(m));
  CHECK(back.tag == "datarep");
  CHECK(back.md_device == m.md_device);
  CHECK(back.mount_dir == "/data");
  CHECK(back.fstype == "xfs");
  REQUIRE(back.systems.size() == 2);
  CHECK(back.systems[1].host == "n2");
  CHECK(back.systems[1].address == "10.201.0.12");
  CHECK(back.systems[1].priority == 10);
  CHECK(back.systems[1].mode == ReplicationMode::kAsync);
}

TEST_CASE("malformed documents are refused with one line") {
  CHECK_THROWS_AS(parse("{"), std::invalid_argument);
  CHECK_THROWS_AS(parse(R"({"systems": []})"), std::invalid_argument);
  CHECK_THROWS_AS(parse(R"({"tag": "x", "systems": [{"host": "a"}]})"), std::invalid_argument);
  CHECK_THROWS_AS(parse(R"({"tag": "x", "systems": [{"host": "a", "device": "/dev/a", "mode": "fast"}]})"),
                  std::invalid_argument);
  CHECK_THROWS_AS(parse(R"({"tag": "x", "systems": [{"host": "a", "device": "sda"}]})"), std::invalid_argument);
  try {
    parse(R"({"tag": "bad\ntag", "systems": [{"host": "a", "device": "/dev/a"}]})");
    FAIL("expected an error");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    CHECK(std::string(e.what()).find("tag 'bad\\ntag' contains '\\n'") != std::string::npos);
  }
}

TEST_CASE("validation: targets limit, duplicate systems, chunk size, fstype") {
  auto m = two_node();
  CHECK(validate(m).empty());
  for (int i = 3; i <= 8; ++i) m.systems.push_back({"n" + std::to_string(i), "", "/dev/ubda", 10809, i, {}});
  CHECK(validate(m).empty());  // 1 source + 7 targets
  m.systems.push_back({"n9", "", "/dev/ubda", 10809, 9, {}});
  CHECK(validate(m).find("at most 7") != std::string::npos);
  m = two_node();
  m.systems.push_back(m.systems[1]);
  CHECK(validate(m).find("appears twice") != std::string::npos);
  m = two_node();
  m.bitmap_chunk_kib = 48;
  CHECK(validate(m).find("power of two") != std::string::npos);
  m = two_node();
  m.mount_dir = "/data";
  m.fstype = "vfat";
  CHECK(validate(m).find("not supported") != std::string::npos);
}

TEST_CASE("conflicts with other mirrors: tag, device, port, md device") {
  auto a = two_node();
  auto b = two_node();
  CHECK(find_conflict(b, {a}).find("already exists") != std::string::npos);
  b.tag = "other";
  CHECK(find_conflict(b, {a}).find("device /dev/ubda on n1 already belongs to mirror datarep") != std::string::npos);
  b.systems[0].device = b.systems[1].device = "/dev/ubdb";
  CHECK(find_conflict(b, {a}).find("port 10809 on n1") != std::string::npos);
  b.systems[0].port = b.systems[1].port = 10810;
  CHECK(find_conflict(b, {a}).find("md device") != std::string::npos);
  b.md_device = "/dev/md/netraid-other";
  CHECK(find_conflict(b, {a}).empty());
}

TEST_CASE("HOST[:PORT] parsing") {
  auto hp = parse_host_port("n2");
  REQUIRE(hp);
  CHECK(hp->host == "n2");
  CHECK(hp->port == kDefaultPort);
  hp = parse_host_port("10.0.0.2:10900");
  REQUIRE(hp);
  CHECK(hp->host == "10.0.0.2");
  CHECK(hp->port == 10900);
  hp = parse_host_port("[fd00::2]:11000");
  REQUIRE(hp);
  CHECK(hp->host == "fd00::2");
  CHECK(hp->port == 11000);
  CHECK_FALSE(parse_host_port(""));
  CHECK_FALSE(parse_host_port("n2:"));
  CHECK_FALSE(parse_host_port("n2:0"));
  CHECK_FALSE(parse_host_port("n2:65536"));
  CHECK_FALSE(parse_host_port("n2:12x"));
  CHECK_FALSE(parse_host_port("-oProxyCommand=x"));
  CHECK_FALSE(parse_host_port("[fd00::2"));
}

TEST_CASE("each mirror a system serves gets its own port") {
  auto a = two_node();
  CHECK(free_port("n1", {}) == kDefaultPort);
  CHECK(free_port("n1", {a}) == kDefaultPort + 1);
  CHECK(free_port("n9", {a}) == kDefaultPort);
  auto b = two_node();
  b.tag = "b";
  b.systems[1].port = kDefaultPort + 1;
  CHECK(free_port("n2", {a, b}) == kDefaultPort + 2);
  CHECK(free_port("n1", {a, b}) == kDefaultPort + 1);
}

TEST_CASE("a mirror's own tunables: rendered only when set, parsed back, checked by validate") {
  auto m = two_node();
  CHECK(render(m).find("tunables") == std::string::npos);  // older configs stay as they were
  m.tunables = {{"LKDR_SPEED_LIMIT", "50000"}, {"LKDR_CONNECT_NBD_DURING_RESTORE", "False"}};
  const auto text = render(m);
  CHECK(text.find(R"("LKDR_SPEED_LIMIT": "50000")") != std::string::npos);
  CHECK(parse(text).tunables == m.tunables);
  // A number written by hand is its digits.
  CHECK(parse(R"({"tag": "x", "tunables": {"LKDR_SPEED_LIMIT": 7000}, "systems": [{"host": "a", "device": "/dev/a"}]})")
            .tunables.at("LKDR_SPEED_LIMIT") == "7000");
  m.tunables = {{"LKDR_SPEED_LIMIT", "fast"}};
  CHECK(validate(m).rfind("LKDR_SPEED_LIMIT='fast' (mirror config of datarep) is not a number of KB/s", 0) == 0);
  m.tunables = {{"LKCHECKINTERVAL", "5"}};
  CHECK(validate(m).find("is not a tunable a mirror can set") != std::string::npos);
  try {
    parse(R"({"tag": "x", "tunables": {"LKDR_NO_FULL_SYNC": "yes"}, "systems": [{"host": "a", "device": "/dev/a"}]})");
    FAIL("expected an error");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).rfind("LKDR_NO_FULL_SYNC='yes' (mirror config of x) is not 0 or 1", 0) == 0);
  }
  CHECK_THROWS_AS(parse(R"({"tag": "x", "tunables": {"LKDR_NO_FULL_SYNC": true}, "systems": [{"host": "a", "device": "/dev/a"}]})"),
                  std::invalid_argument);
}
