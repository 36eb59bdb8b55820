// SPDX-License-Identifier: GPL-2.0-or-later
// The mirror's TLS key: made at create, sent to a new target on stdin before
// its server starts with --tls, rotated with no moment in which a reconnect
// would be refused, and a rotation that cannot reach every system switches
// nothing.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "fake_system.hpp"
#include "netraid/mirror/lifecycle.hpp"
#include "netraid/mirror/link_key.hpp"

using namespace netraid;
namespace key = netraid::mirror::link_key;

namespace {

const std::string kTag = "datarep";

std::vector<std::uint8_t> bytes(std::uint8_t first) {
  std::vector<std::uint8_t> r(key::kRandomBytes);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(first + i);
  return r;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// n1 is the source of a TLS mirror to n2; n2's side of key-import and
// config-import is the product's own code, fed with what n1 sent on stdin.
struct TlsMirror {
  fake::FakeNode n1{"n1"};
  fake::FakeNode n2{"n2"};
  mirror::config::MirrorConfig m = [] {
    auto two = fake::two_node_mirror();
    two.tls = true;
    return two;
  }();
  bool n2_up = true;

  TlsMirror() {
    fake::make_source(n1, m, {0xaa, {}});
    n2.ctx.store.save(m);
    key::write_entries(n1.ctx.settings, kTag, {key::entry_from_random(bytes(1))});
    key::write_entries(n2.ctx.settings, kTag, {key::entry_from_random(bytes(1))});
    n1.system->peers["n2"] = [this](const std::vector<std::string>& args) -> mirror::ProgramResult {
      if (!n2_up) return {255, "", "ssh: connect to host n2: No route to host\n"};
      if (args.at(0) == "key-import") {
        const bool add = args.size() > 2 && args[2] == "--add";
        key::import_key(n2.ctx.settings, args.at(1), n1.system->inputs.back().second,
                        add ? key::Import::kAdd : key::Import::kReplace);
      }
      return {};
    };
  }
  std::string key_text(const fake::FakeNode& node) const {
    return nbd::render_psk_file(key::read_entries(node.ctx.settings, kTag));
  }
};

}  // namespace

TEST_CASE("link key: an entry from random bytes, and the merge of a key-import") {
  const auto e = key::entry_from_random(bytes(0xa0));
  CHECK(e.identity == "netraid-a0a1a2a3");
  CHECK(e.key.size() == nbd::kPskKeyBytes);
  CHECK(e.key.front() == 0xa4);
  CHECK_THROWS(key::entry_from_random(std::vector<std::uint8_t>(10)));
  const auto a = key::entry_from_random(bytes(1)), b = key::entry_from_random(bytes(2));
  CHECK(key::merge_entries({a}, {b}, key::Import::kAdd).size() == 2);
  CHECK(key::merge_entries({a}, {b}, key::Import::kAdd).back().identity == b.identity);  // clients use the newest
  CHECK(key::merge_entries({a, b}, {b}, key::Import::kAdd).size() == 2);                // no duplicate
  CHECK(key::merge_entries({a}, {b}, key::Import::kReplace).size() == 1);
}

TEST_CASE("link key: files are 0600, a bad import changes nothing, forget removes it") {
  fake::FakeNode n{"n1"};
  const auto& s = n.ctx.settings;
  key::create_key(n.ctx, kTag);
  CHECK(mode_of(key::key_file(s, kTag)) == 0600);
  const auto before = key::read_entries(s, kTag);
  REQUIRE(before.size() == 1);
  CHECK_THROWS_AS(key::import_key(s, kTag, "garbage\n", key::Import::kReplace), mirror::UsageError);
  CHECK_THROWS_AS(key::import_key(s, kTag, "", key::Import::kAdd), mirror::UsageError);
  CHECK(key::read_entries(s, kTag)[0].key == before[0].key);
  key::import_key(s, kTag, nbd::render_psk_file({key::entry_from_random(bytes(9))}), key::Import::kAdd);
  CHECK(key::read_entries(s, kTag).size() == 2);
  CHECK(mode_of(key::key_file(s, kTag)) == 0600);
  key::forget(s, kTag);
  CHECK_FALSE(key::has_key(s, kTag));
}

TEST_CASE("link key: extend of a TLS mirror sends the key on stdin before the target serves with --tls") {
  fake::FakeNode n1{"n1"}, n2{"n2"};
  auto m = fake::two_node_mirror();
  m.tls = true;
  m.systems.pop_back();
  fake::make_source(n1, m, {0xaa, {}});
  key::create_key(n1.ctx, kTag);
  auto& sys = *n1.system;
  sys.devices["/dev/ubda"].size_bytes = 256 << 20;
  sys.reachable_exports.insert("10.201.0.12");
  sys.peers["n2"] = [&](const std::vector<std::string>& args) -> mirror::ProgramResult {
    if (args.at(0) == "node-info") {
      auto info = nlohmann::json::parse(mirror::node_info_json(n2.ctx, "test"));
      info["address"] = "10.201.0.12";
      return {0, info.dump(), ""};
    }
    if (args.at(0) == "key-import") key::import_key(n2.ctx.settings, args.at(1), sys.inputs.back().second, key::Import::kReplace);
    if (args.at(0) == "config-import") mirror::import_config(n2.ctx, args.at(1));
    return {};
  };
  mirror::ExtendRequest request;
  request.tag = kTag;
  request.target = "n2";
  mirror::extend(n1.ctx, request);
  const int sent = sys.index_of("on n2: key-import datarep");
  const int serve = sys.index_of("on n2: serve datarep");
  const int attach = sys.index_of("attach 10.201.0.12:10809 datarep tls");
  REQUIRE(sent >= 0);
  CHECK(serve > sent);
  CHECK(attach > serve);
  CHECK(sys.events[serve].find(" --tls") != std::string::npos);
  CHECK(sys.events[sent].find("netraid-") == std::string::npos);  // the key never in argv
  CHECK(key::read_entries(n2.ctx.settings, kTag)[0].key == key::read_entries(n1.ctx.settings, kTag)[0].key);
  CHECK(sys.saw("detached") == false);  // no grace period: no watcher
}

TEST_CASE("link key: rotate adds the new key everywhere, switches here, then drops the old one") {
  TlsMirror t;
  const auto old_key = t.key_text(t.n1);
  key::rotate(t.n1.ctx, kTag);
  const auto& sys = *t.n1.system;
  const int add = sys.index_of("on n2: key-import datarep --add");
  const int replace = sys.index_of("on n2: key-import datarep");
  REQUIRE(add >= 0);
  // index_of finds the first event with the prefix: the --add one; the replace comes after it.
  int replace_only = -1;
  for (int i = add + 1; i < static_cast<int>(sys.events.size()); ++i)
    if (sys.events[i] == "on n2: key-import datarep") replace_only = i;
  CHECK(replace == add);
  CHECK(replace_only > add);
  CHECK(t.key_text(t.n1) != old_key);
  CHECK(t.key_text(t.n1) == t.key_text(t.n2));
  CHECK(key::read_entries(t.n1.ctx.settings, kTag).size() == 1);
}

TEST_CASE("errors-link-key: rotate with a system unreachable, or of a plaintext mirror, switches nothing") {
  TlsMirror t;
  const auto old1 = t.key_text(t.n1), old2 = t.key_text(t.n2);
  t.n2_up = false;
  CHECK_THROWS_AS(key::rotate(t.n1.ctx, kTag), mirror::OpError);
  CHECK(t.key_text(t.n1) == old1);
  CHECK(t.key_text(t.n2) == old2);
  auto plain = t.m;
  plain.tls = false;
  t.n1.ctx.store.save(plain);
  CHECK_THROWS_AS(key::rotate(t.n1.ctx, kTag), mirror::UsageError);
  CHECK(t.key_text(t.n1) == old1);
}
