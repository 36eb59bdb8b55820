// SPDX-License-Identifier: GPL-2.0-or-later
// The pre-shared key file: nbdkit's format, read strictly, written back the same.
#include <doctest/doctest.h>

#include "netraid/nbd/error.hpp"
#include "netraid/nbd/tls.hpp"

using namespace netraid::nbd;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_psk_file(text, "/etc/netraid/m.psk");
  } catch (const ClientError& e) {
    CHECK(e.kind == ErrorKind::kUsage);
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("psk file: IDENTITY:HEXKEY lines in order, comments and blank lines skipped, round trip") {
  const auto entries = parse_psk_file("# netraid key\n\nnetraid-1:00ff10\r\nnetraid-2:ABcd\n", "f");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].identity == "netraid-1");
  CHECK(entries[0].key == std::vector<std::uint8_t>{0x00, 0xff, 0x10});
  CHECK(entries[1].key == std::vector<std::uint8_t>{0xab, 0xcd});
  CHECK(render_psk_file(entries) == "netraid-1:00ff10\nnetraid-2:abcd\n");
  CHECK(parse_psk_file(render_psk_file(entries), "f")[1].identity == "netraid-2");
  CHECK(parse_psk_file("", "f").empty());
}

TEST_CASE("errors-psk-file: each malformed line named with its number") {
  CHECK(error_of("a:00\nnokey\n") ==
        "/etc/netraid/m.psk line 2: no ':' between identity and key: a key file holds IDENTITY:HEXKEY lines; rewrite it with 'netraid rotate-key'");
  CHECK(error_of(":00").find("line 1: empty identity") != std::string::npos);
  CHECK(error_of("a:0").find("not an even number of hex digits") != std::string::npos);
  CHECK(error_of("a:").find("not an even number of hex digits") != std::string::npos);
  CHECK(error_of("a:0g").find("not a hex digit") != std::string::npos);
  CHECK(error_of("a:" + std::string(130, '0')).find("longer than 64 bytes") != std::string::npos);
}
