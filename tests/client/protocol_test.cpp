// SPDX-License-Identifier: GPL-2.0-or-later
// Handshake codec against byte vectors, and negotiate() against scripted servers.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <functional>

#include "netraid/nbd/error.hpp"
#include "netraid/nbd/protocol.hpp"

using namespace netraid::nbd;

namespace {
void put(Bytes& b, std::uint64_t v, int n) {
  for (int s = (n - 1) * 8; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
Bytes greeting(std::uint16_t flags = 3, std::uint64_t m1 = proto::kNbdMagic, std::uint64_t m2 = proto::kOptMagic) {
  Bytes b;
  put(b, m1, 8);
  put(b, m2, 8);
  put(b, flags, 2);
  return b;
}
Bytes reply(std::uint32_t type, const Bytes& payload, std::uint32_t option = proto::kOptGo,
            std::uint64_t magic = proto::kReplyMagic) {
  Bytes b;
  put(b, magic, 8);
  put(b, option, 4);
  put(b, type, 4);
  put(b, payload.size(), 4);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
Bytes info_export(std::uint64_t size, std::uint16_t flags) {
  Bytes b;
  put(b, proto::kInfoExport, 2);
  put(b, size, 8);
  put(b, flags, 2);
  return b;
}
Bytes info_block(std::uint32_t mn, std::uint32_t pref, std::uint32_t mx) {
  Bytes b;
  put(b, proto::kInfoBlockSize, 2);
  put(b, mn, 4);
  put(b, pref, 4);
  put(b, mx, 4);
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A server made of bytes: reads come from `script`, writes are recorded.
struct ScriptedServer : ByteStream {
  explicit ScriptedServer(Bytes s) : script(std::move(s)) {}
  Bytes script;
  std::size_t pos = 0;
  Bytes written;
  std::size_t tls_started_at = 0;  // bytes written when start_tls() ran; 0 = never
  void start_tls() override { tls_started_at = written.size(); }
  void write_all(std::span<const std::uint8_t> b) override { written.insert(written.end(), b.begin(), b.end()); }
  void read_exact(std::span<std::uint8_t> out) override {
    if (script.size() - pos < out.size())
      fail(ErrorKind::kProtocol, "server closed the connection after " + std::to_string(script.size() - pos) +
                                     " of " + std::to_string(out.size()) + " bytes");
    std::copy_n(script.begin() + static_cast<long>(pos), out.size(), out.begin());
    pos += out.size();
  }
};

constexpr std::uint16_t kGood = proto::kTxHasFlags | proto::kTxSendFlush | proto::kTxSendFua;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ClientError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("greeting: fixed newstyle with no-zeroes is accepted and echoed in the client flags") {
  const auto g = decode_greeting(greeting(3));
  CHECK(g.handshake_flags == 3);
  CHECK(encode_client_flags(g) == Bytes{0, 0, 0, 3});
  CHECK(encode_client_flags(decode_greeting(greeting(1))) == Bytes{0, 0, 0, 1});
}

TEST_CASE("errors-greeting: bad magic, oldstyle, no fixed newstyle, short") {
  CHECK(error_of([] { decode_greeting(greeting(3, 0x4854545020312e31ULL)); }).find("bad greeting magic") == 0);
  CHECK(error_of([] { decode_greeting(greeting(3, proto::kNbdMagic, proto::kOldstyleMagic)); }).find("old-style") !=
        std::string::npos);
  CHECK(error_of([] { decode_greeting(greeting(3, proto::kNbdMagic, 42)); }).find("bad option magic") == 0);
  CHECK(error_of([] { decode_greeting(greeting(0)); }).find("fixed-newstyle") != std::string::npos);
  const auto g = greeting();
  CHECK(error_of([&] { decode_greeting(std::span(g).first(10)); }) ==
        "short server greeting: got 10 of 18 bytes: the server is not a working NBD server");
}

TEST_CASE("NBD_OPT_GO encodes name and the two info requests") {
  const Bytes want = cat({Bytes{'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T'}, Bytes{0, 0, 0, 7}, Bytes{0, 0, 0, 15},
                          Bytes{0, 0, 0, 5, 'm', 'i', 'r', 'r', '1'}, Bytes{0, 2, 0, 0, 0, 3}});
  CHECK(encode_opt_go("mirr1") == want);
  CHECK(encode_opt_go("").size() == 16 + 4 + 6);
  CHECK(error_of([] { encode_opt_go(std::string(4097, 'x')); }).find("at most 4096") != std::string::npos);
  CHECK(encode_opt_abort() == Bytes{'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0, 0, 0, 2, 0, 0, 0, 0});
}

TEST_CASE("reply header: decoded, bad magic and huge lengths refused before any allocation") {
  const auto h = decode_reply_header(reply(proto::kRepAck, {}));
  CHECK(h.option == proto::kOptGo);
  CHECK(h.type == proto::kRepAck);
  CHECK(h.length == 0);
  CHECK(error_of([] { decode_reply_header(reply(1, {}, 7, 0x1122334455667788ULL)); }).find("bad option reply magic") == 0);
  Bytes huge = reply(proto::kRepInfo, {});
  huge[16] = 0xff;  // length 0xff000000
  CHECK(error_of([&] { decode_reply_header(huge); }).find("too large") != std::string::npos);
}

TEST_CASE("info payloads: export and block size, wrong lengths refused, unknown types ignored") {
  ExportInfo info;
  bool have = false;
  apply_info(info_export(1ULL << 30, kGood), info, have);
  CHECK(have);
  CHECK(info.size == (1ULL << 30));
  CHECK(info.flags == kGood);
  apply_info(info_block(512, 4096, 32 << 20), info, have);
  REQUIRE(info.block_sizes);
  CHECK(info.block_sizes->preferred == 4096);
  Bytes name = {0, proto::kInfoName, 'x'};
  apply_info(name, info, have);  // ignored
  Bytes short_export = info_export(1, kGood);
  short_export.pop_back();
  CHECK(error_of([&] { apply_info(short_export, info, have); }).find("expected 12") != std::string::npos);
  CHECK(error_of([&] { apply_info(Bytes{0}, info, have); }).find("short NBD_REP_INFO") == 0);
}

TEST_CASE("negotiate: a well-behaved server, client bytes exactly as the spec says") {
  ScriptedServer s(cat({greeting(3), reply(proto::kRepInfo, info_export(64 << 20, kGood)),
                        reply(proto::kRepInfo, info_block(1, 4096, 1 << 25)), reply(proto::kRepAck, {})}));
  const auto info = negotiate(s, "tag");
  CHECK(info.size == (64 << 20));
  CHECK(info.flags == kGood);
  CHECK(s.pos == s.script.size());
  CHECK(s.written == cat({Bytes{0, 0, 0, 3}, encode_opt_go("tag")}));
}

TEST_CASE("negotiate with TLS: STARTTLS, its ack, the handshake, then GO through it") {
  ScriptedServer s(cat({greeting(3), reply(proto::kRepAck, {}, proto::kOptStartTls),
                        reply(proto::kRepInfo, info_export(64 << 20, kGood)), reply(proto::kRepAck, {})}));
  const auto info = negotiate(s, "tag", true);
  CHECK(info.size == (64 << 20));
  CHECK(s.pos == s.script.size());
  CHECK(encode_opt_starttls() == Bytes{'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0, 0, 0, 5, 0, 0, 0, 0});
  CHECK(s.written == cat({Bytes{0, 0, 0, 3}, encode_opt_starttls(), encode_opt_go("tag")}));
  // The handshake ran after STARTTLS was acknowledged and before GO was sent.
  CHECK(s.tls_started_at == 4 + 16);
}

TEST_CASE("errors-negotiate-tls: no plaintext fallback, and a plaintext client told what a TLS target needs") {
  SUBCASE("a target without the key refuses STARTTLS: the mirror is not used in plaintext") {
    ScriptedServer s(cat({greeting(), reply(proto::kRepErrPolicy, {}, proto::kOptStartTls)}));
    CHECK(error_of([&] { negotiate(s, "t", true); }).find("the target does not serve this mirror with TLS") == 0);
    CHECK(s.tls_started_at == 0);
    CHECK(s.written == cat({encode_client_flags(decode_greeting(greeting())), encode_opt_starttls()}));  // GO never sent
    ScriptedServer u(cat({greeting(), reply(proto::kRepErrUnsup, {}, proto::kOptStartTls)}));
    CHECK(error_of([&] { negotiate(u, "t", true); }).find("the target does not serve this mirror with TLS") == 0);
  }
  SUBCASE("a reply to another option, or another error") {
    ScriptedServer s(cat({greeting(), reply(proto::kRepAck, {}, proto::kOptGo)}));
    CHECK(error_of([&] { negotiate(s, "t", true); }).find("when NBD_OPT_STARTTLS was asked") != std::string::npos);
    ScriptedServer e(cat({greeting(), reply(proto::kRepErrInvalid, {}, proto::kOptStartTls)}));
    CHECK(error_of([&] { negotiate(e, "t", true); }).find("refused NBD_OPT_STARTTLS") != std::string::npos);
  }
  SUBCASE("a plaintext client at a TLS target is told to get the key") {
    ScriptedServer b(cat({greeting(), reply(proto::kRepErrTlsReqd, {})}));
    CHECK(error_of([&] { negotiate(b, "t"); }) ==
          "the target requires TLS: this mirror is encrypted there; give this system the mirror's key (netraid extend or rotate-key does)");
  }
}

TEST_CASE("errors-negotiate: wrong export name gives a message naming the tag and the fix") {
  const std::string text = "unknown export";
  ScriptedServer s(cat({greeting(), reply(proto::kRepErrUnknown, Bytes(text.begin(), text.end()))}));
  try {
    negotiate(s, "mirror7");
    FAIL("expected an error");
  } catch (const ClientError& e) {
    CHECK(e.kind == ErrorKind::kTarget);
    CHECK(std::string(e.what()) ==
          "export 'mirror7' not found on the server (server says: unknown export): check the mirror's tag and that the target serves it");
  }
}

TEST_CASE("errors-negotiate: malformed servers") {
  SUBCASE("short read in the middle of a reply header") {
    auto r = reply(proto::kRepInfo, info_export(1 << 20, kGood));
    ScriptedServer s(cat({greeting(), Bytes(r.begin(), r.begin() + 7)}));
    CHECK(error_of([&] { negotiate(s, "t"); }).find("server closed the connection after 7 of 20") == 0);
  }
  SUBCASE("ack without export info") {
    ScriptedServer s(cat({greeting(), reply(proto::kRepAck, {})}));
    CHECK(error_of([&] { negotiate(s, "t"); }).find("without NBD_INFO_EXPORT") != std::string::npos);
  }
  SUBCASE("unknown reply type") {
    ScriptedServer s(cat({greeting(), reply(0x77, {})}));
    CHECK(error_of([&] { negotiate(s, "t"); }).find("unknown reply type 0x77") == 0);
  }
  SUBCASE("NBD_REP_SERVER is not an answer to GO") {
    ScriptedServer s(cat({greeting(), reply(proto::kRepServer, {})}));
    CHECK(error_of([&] { negotiate(s, "t"); }).find("unknown reply type 0x2") == 0);
  }
  SUBCASE("reply to another option") {
    ScriptedServer s(cat({greeting(), reply(proto::kRepAck, {}, 1)}));
    CHECK(error_of([&] { negotiate(s, "t"); }).find("answered option 1") != std::string::npos);
  }
  SUBCASE("GO unsupported, TLS required, and an unnamed error") {
    ScriptedServer a(cat({greeting(), reply(proto::kRepErrUnsup, {})}));
    CHECK(error_of([&] { negotiate(a, "t"); }).find("does not support NBD_OPT_GO") != std::string::npos);
    ScriptedServer b(cat({greeting(), reply(proto::kRepErrTlsReqd, {})}));
    CHECK(error_of([&] { negotiate(b, "t"); }).find("requires TLS") != std::string::npos);
    ScriptedServer c(cat({greeting(), reply(proto::kRepErrBit | 99, {})}));
    CHECK(error_of([&] { negotiate(c, "t"); }).find("error 0x80000063") != std::string::npos);
  }
  SUBCASE("server error text with control characters is made printable") {
    ScriptedServer s(cat({greeting(), reply(proto::kRepErrPolicy, Bytes{'a', '\n', 'b'})}));
    CHECK(error_of([&] { negotiate(s, "t"); }).find("(server says: a?b)") != std::string::npos);
  }
  SUBCASE("endless info replies") {
    Bytes script = greeting();
    for (int i = 0; i < 70; ++i) {
      auto r = reply(proto::kRepInfo, info_export(1 << 20, kGood));
      script.insert(script.end(), r.begin(), r.end());
    }
    ScriptedServer s(script);
    CHECK(error_of([&] { negotiate(s, "t"); }).find("more than 64 replies") != std::string::npos);
  }
}

TEST_CASE("check_export: size, durability, read-only, multi-conn") {
  ExportInfo ok{1 << 30, kGood, std::nullopt};
  CHECK_NOTHROW(check_export(ok, {1 << 30, 1}, "t"));
  CHECK(error_of([&] { check_export(ok, {(1ULL << 30) + 1, 1}, "t"); }) ==
        "t: export is 1073741824 bytes but 1073741825 are needed: give the target a larger disk");
  CHECK(error_of([&] { check_export({1 << 30, proto::kTxHasFlags | proto::kTxSendFlush, {}}, {}, "t"); })
            .find("does not honour FUA") != std::string::npos);
  CHECK(error_of([&] { check_export({1 << 30, proto::kTxHasFlags | proto::kTxSendFua, {}}, {}, "t"); })
            .find("does not honour flush") != std::string::npos);
  CHECK(error_of([&] { check_export({1 << 30, 0, {}}, {}, "t"); }).find("no transmission flags") != std::string::npos);
  CHECK(error_of([&] { check_export({1 << 30, kGood | proto::kTxReadOnly, {}}, {}, "t"); }).find("read-only") !=
        std::string::npos);
  CHECK(error_of([&] { check_export({~0ULL, kGood, {}}, {}, "t"); }).find("beyond what the kernel") != std::string::npos);
  CHECK(error_of([&] { check_export({100, kGood, {}}, {}, "t"); }).find("smaller than one sector") != std::string::npos);
  CHECK(error_of([&] { check_export(ok, {0, 2}, "t"); }).find("--connections 1") != std::string::npos);
  CHECK_NOTHROW(check_export({1 << 30, kGood | proto::kTxCanMultiConn, {}}, {0, 4}, "t"));
}

TEST_CASE("block size: 512 by default, the server's minimum when larger, refused when unusable") {
  CHECK(choose_block_size({1 << 20, kGood, std::nullopt}, "t") == 512);
  CHECK(choose_block_size({1 << 20, kGood, BlockSizes{1, 4096, 1 << 25}}, "t") == 512);
  CHECK(choose_block_size({1 << 20, kGood, BlockSizes{4096, 4096, 1 << 25}}, "t") == 4096);
  CHECK(error_of([] { choose_block_size({1 << 20, kGood, BlockSizes{8192, 8192, 1 << 25}}, "t"); })
            .find("power of two up to 4096") != std::string::npos);
  CHECK(error_of([] { choose_block_size({1 << 20, kGood, BlockSizes{1000, 4096, 1 << 25}}, "t"); })
            .find("power of two") != std::string::npos);
}

TEST_CASE("flag names") {
  CHECK(describe_flags(kGood | proto::kTxCanMultiConn) == "flush,fua,multi-conn");
  CHECK(describe_flags(0) == "none");
}
