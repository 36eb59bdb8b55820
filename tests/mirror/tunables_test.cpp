// SPDX-License-Identifier: GPL-2.0-or-later
// The DataKeeper tunables: each key from /etc/default/LifeKeeper and from the
// environment, every bad value refused with a line an administrator can act
// on, and the show-config renderings.
#include <doctest/doctest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "netraid/mirror/tunables.hpp"
#include "temp_dir.hpp"

using namespace netraid;
using namespace netraid::mirror::tunables;

namespace {

using Env = std::map<std::string, std::string>;

Resolved from_file(const std::string& text, const Env& env = {}) {
  return resolve(common::parse_defaults_file(text), env);
}

Tunables from_env(const Env& env) { return resolve(std::nullopt, env).tunables; }

// Every key set, none to its default.
const std::string kEveryKey =
    "LKDR_CHUNK_SIZE=1024\nLKDR_SPEED_LIMIT=50000\nLKDR_SPEED_LIMIT_MIN=1000\nLKDR_NO_FULL_SYNC=1\n"
    "LKDR_CONNECT_NBD_DURING_RESTORE=False\nLKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=300\n"
    "LKCHECKINTERVAL=120\nLKDR_ASYNC_LIMIT=256\n";

std::vector<Origin> origins(const Tunables& t) {
  return {t.chunk_kib.origin,        t.speed_limit_kbs.origin,         t.speed_limit_min_kbs.origin,
          t.no_full_sync.origin,     t.connect_nbd_during_restore.origin,
          t.wait_for_previous_source_s.origin, t.check_interval_s.origin, t.async_limit.origin};
}

std::string refusal(const std::string& file_text, const Env& env = {}) {
  try {
    from_file(file_text, env);
  } catch (const TunableError& e) {
    return e.what();
  }
  return "<accepted>";
}

}  // namespace

TEST_CASE("tunables: defaults without a file or environment") {
  const auto r = resolve(std::nullopt, {});
  const auto& t = r.tunables;
  CHECK(r.warnings.empty());
  CHECK(t.chunk_kib.value == 64);
  CHECK_FALSE(t.speed_limit_kbs.value.has_value());
  CHECK_FALSE(t.speed_limit_min_kbs.value.has_value());
  CHECK(t.no_full_sync.value == false);
  CHECK(t.connect_nbd_during_restore.value == true);
  CHECK(t.wait_for_previous_source_s.value == -1);
  CHECK(t.check_interval_s.value == 10);
  CHECK_FALSE(t.async_limit.value.has_value());
  CHECK(t.chunk_kib.origin == Origin::kDefault);
  CHECK(t.async_limit.origin == Origin::kDefault);
  // A file without these keys, or with them empty, changes nothing.
  const auto empty = from_file("OTHER=1\nLKDR_CHUNK_SIZE=\nLKCHECKINTERVAL=''\n").tunables;
  CHECK(empty.chunk_kib.value == 64);
  CHECK(empty.chunk_kib.origin == Origin::kDefault);
  CHECK(empty.check_interval_s.origin == Origin::kDefault);
}

TEST_CASE("tunables: origin names") {
  CHECK(to_string(Origin::kDefault) == "default");
  CHECK(to_string(Origin::kFile) == "/etc/default/LifeKeeper");
  CHECK(to_string(Origin::kEnvironment) == "environment");
  CHECK(known_keys().size() == 8);
  CHECK(known_keys().front() == "LKDR_CHUNK_SIZE");
}

TEST_CASE("tunables: every key from the file") {
  const auto t = from_file(kEveryKey).tunables;
  CHECK(t.chunk_kib.value == 1024);
  CHECK(t.speed_limit_kbs.value == 50000u);
  CHECK(t.speed_limit_min_kbs.value == 1000u);
  CHECK(t.no_full_sync.value == true);
  CHECK(t.connect_nbd_during_restore.value == false);
  CHECK(t.wait_for_previous_source_s.value == 300);
  CHECK(t.check_interval_s.value == 120);
  CHECK(t.async_limit.value == 256u);
  CHECK(origins(t) == std::vector<Origin>(8, Origin::kFile));
}

TEST_CASE("tunables: every key from the environment, which wins over the file") {
  const Env env{{"LKDR_CHUNK_SIZE", "4"},
                {"LKDR_SPEED_LIMIT", "100000000"},
                {"LKDR_SPEED_LIMIT_MIN", "1"},
                {"LKDR_NO_FULL_SYNC", "0"},
                {"LKDR_CONNECT_NBD_DURING_RESTORE", "yes"},
                {"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "0"},
                {"LKCHECKINTERVAL", "86400"},
                {"LKDR_ASYNC_LIMIT", "1048576"}};
  const auto t = from_file(kEveryKey, env).tunables;
  CHECK(t.chunk_kib.value == 4);
  CHECK(t.speed_limit_kbs.value == 100000000u);
  CHECK(t.speed_limit_min_kbs.value == 1u);
  CHECK(t.no_full_sync.value == false);
  CHECK(t.connect_nbd_during_restore.value == true);
  CHECK(t.wait_for_previous_source_s.value == 0);
  CHECK(t.check_interval_s.value == 86400);
  CHECK(t.async_limit.value == 1048576u);
  CHECK(origins(t) == std::vector<Origin>(8, Origin::kEnvironment));
  // Without the file too; an empty environment value leaves the file's.
  CHECK(from_env({{"LKDR_CHUNK_SIZE", "8"}}).chunk_kib.value == 8);
  const auto kept = from_file("LKCHECKINTERVAL=30\n", {{"LKCHECKINTERVAL", ""}}).tunables.check_interval_s;
  CHECK(kept.value == 30);
  CHECK(kept.origin == Origin::kFile);
}

TEST_CASE("tunables: LKDR_CHUNK_SIZE=0 is DataKeeper's 256 KiB") {
  const auto t = from_file("LKDR_CHUNK_SIZE=0\n").tunables;
  CHECK(t.chunk_kib.value == 256);
  CHECK(t.chunk_kib.origin == Origin::kFile);
  CHECK(from_env({{"LKDR_CHUNK_SIZE", "1048576"}}).chunk_kib.value == 1048576);
}

TEST_CASE("tunables: the spellings of LKDR_CONNECT_NBD_DURING_RESTORE") {
  for (const auto* word : {"True", "true", "TRUE", "1", "yes", "Yes"})
    CHECK(from_env({{"LKDR_CONNECT_NBD_DURING_RESTORE", word}}).connect_nbd_during_restore.value == true);
  for (const auto* word : {"False", "false", "0", "no", "NO"})
    CHECK(from_env({{"LKDR_CONNECT_NBD_DURING_RESTORE", word}}).connect_nbd_during_restore.value == false);
}

TEST_CASE("tunables: a bad value in the file is refused naming key, value, line and what is allowed") {
  CHECK(refusal("# x\n\nLKDR_CHUNK_SIZE=100\n") ==
        "LKDR_CHUNK_SIZE='100' (/etc/default/LifeKeeper line 3) is not a power of 2 from 4 to 1048576 KiB: "
        "fix it or remove the line");
  CHECK(refusal("LKDR_CHUNK_SIZE=2\n") ==
        "LKDR_CHUNK_SIZE='2' (/etc/default/LifeKeeper line 1) is not a power of 2 from 4 to 1048576 KiB: "
        "fix it or remove the line");
  CHECK(refusal("LKDR_CHUNK_SIZE=2097152\n").find("is not a power of 2 from 4 to 1048576 KiB") != std::string::npos);
  CHECK(refusal("LKDR_CHUNK_SIZE=64k\n").find("LKDR_CHUNK_SIZE='64k'") != std::string::npos);
  CHECK(refusal("LKDR_CHUNK_SIZE=-64\n").find("LKDR_CHUNK_SIZE='-64'") != std::string::npos);
  CHECK(refusal("LKDR_SPEED_LIMIT=0\n") ==
        "LKDR_SPEED_LIMIT='0' (/etc/default/LifeKeeper line 1) is not a number of KB/s from 1 to 100000000: "
        "fix it or remove the line");
  CHECK(refusal("LKDR_SPEED_LIMIT=100000001\n").find("LKDR_SPEED_LIMIT='100000001'") != std::string::npos);
  CHECK(refusal("LKDR_SPEED_LIMIT_MIN=fast\n") ==
        "LKDR_SPEED_LIMIT_MIN='fast' (/etc/default/LifeKeeper line 1) is not a number of KB/s from 1 to "
        "100000000: fix it or remove the line");
  CHECK(refusal("LKDR_NO_FULL_SYNC=yes\n") ==
        "LKDR_NO_FULL_SYNC='yes' (/etc/default/LifeKeeper line 1) is not 0 or 1: fix it or remove the line");
  CHECK(refusal("LKDR_CONNECT_NBD_DURING_RESTORE=maybe\n") ==
        "LKDR_CONNECT_NBD_DURING_RESTORE='maybe' (/etc/default/LifeKeeper line 1) is not True or False: "
        "fix it or remove the line");
  CHECK(refusal("LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=-2\n") ==
        "LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT='-2' (/etc/default/LifeKeeper line 1) is not -1 (wait until it "
        "returns), 0 (do not wait) or a number of seconds up to 31536000: fix it or remove the line");
  CHECK(refusal("LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=31536001\n").find("'31536001'") != std::string::npos);
  CHECK(refusal("LKCHECKINTERVAL=0\n") ==
        "LKCHECKINTERVAL='0' (/etc/default/LifeKeeper line 1) is not a number of seconds from 1 to 86400: "
        "fix it or remove the line");
  CHECK(refusal("LKCHECKINTERVAL=86401\n").find("LKCHECKINTERVAL='86401'") != std::string::npos);
  CHECK(refusal("LKDR_ASYNC_LIMIT=0\n") ==
        "LKDR_ASYNC_LIMIT='0' (/etc/default/LifeKeeper line 1) is not a number from 1 to 1048576: "
        "fix it or remove the line");
  CHECK(refusal("LKDR_ASYNC_LIMIT=1048577\n").find("LKDR_ASYNC_LIMIT='1048577'") != std::string::npos);
  // A value with blanks inside quotes is not a number either.
  CHECK(refusal("LKCHECKINTERVAL=' 30'\n").find("LKCHECKINTERVAL=' 30'") != std::string::npos);
}

TEST_CASE("tunables: a bad value in the environment is refused naming the environment") {
  CHECK(refusal("", {{"LKDR_SPEED_LIMIT", "99999999999999999999999"}}) ==
        "LKDR_SPEED_LIMIT='99999999999999999999999' (environment) is not a number of KB/s from 1 to 100000000: "
        "fix it or unset it");
  // The environment's value is the one checked, even over a good file.
  CHECK(refusal("LKCHECKINTERVAL=30\n", {{"LKCHECKINTERVAL", "1\n2"}}) ==
        "LKCHECKINTERVAL='1\\n2' (environment) is not a number of seconds from 1 to 86400: fix it or unset it");
}

TEST_CASE("tunables: LKDR_SPEED_LIMIT_MIN above LKDR_SPEED_LIMIT is refused") {
  CHECK(refusal("LKDR_SPEED_LIMIT=1000\nLKDR_SPEED_LIMIT_MIN=5000\n") ==
        "LKDR_SPEED_LIMIT_MIN='5000' (/etc/default/LifeKeeper line 2) is above LKDR_SPEED_LIMIT='1000' "
        "(/etc/default/LifeKeeper line 1), so md would ignore that limit: fix it or remove the line");
  CHECK(refusal("LKDR_SPEED_LIMIT=1000\n", {{"LKDR_SPEED_LIMIT_MIN", "1001"}}) ==
        "LKDR_SPEED_LIMIT_MIN='1001' (environment) is above LKDR_SPEED_LIMIT='1000' (/etc/default/LifeKeeper "
        "line 1), so md would ignore that limit: fix it or unset it");
  // Equal is fine; a minimum alone has no limit here to be compared with.
  CHECK(refusal("LKDR_SPEED_LIMIT=1000\nLKDR_SPEED_LIMIT_MIN=1000\n") == "<accepted>");
  CHECK(refusal("LKDR_SPEED_LIMIT_MIN=500000\n") == "<accepted>");
}

TEST_CASE("tunables: the file's own problems are warnings, not errors") {
  const auto r = from_file("LKDR_CHUNK_SIZE=256\nnot an assignment\nLKCHECKINTERVAL=$INTERVAL\n");
  CHECK(r.tunables.chunk_kib.value == 256);
  CHECK(r.tunables.check_interval_s.value == 10);  // dropped: the default stays
  CHECK(r.tunables.check_interval_s.origin == Origin::kDefault);
  REQUIRE(r.warnings.size() == 2);
  CHECK(r.warnings[0] == "/etc/default/LifeKeeper line 2: 'not an assignment' is not KEY=VALUE");
  CHECK(r.warnings[1] ==
        "/etc/default/LifeKeeper line 3: LKCHECKINTERVAL uses shell expansion, which netraid does not do: "
        "give the value itself");
}

TEST_CASE("tunables: render_human, one line per tunable with its origin") {
  CHECK(render_human(Tunables{}) ==
        "LKDR_CHUNK_SIZE = 64 (default)\n"
        "LKDR_SPEED_LIMIT = md's system default (default)\n"
        "LKDR_SPEED_LIMIT_MIN = md's system default (default)\n"
        "LKDR_NO_FULL_SYNC = 0 (default)\n"
        "LKDR_CONNECT_NBD_DURING_RESTORE = True (default)\n"
        "LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT = -1 (default)\n"
        "LKCHECKINTERVAL = 10 (default)\n"
        "LKDR_ASYNC_LIMIT = not set (default)\n");
  const auto t = from_file("LKDR_CHUNK_SIZE=0\nLKDR_NO_FULL_SYNC=1\n",
                           {{"LKDR_SPEED_LIMIT", "50000"}, {"LKDR_CONNECT_NBD_DURING_RESTORE", "false"}})
                     .tunables;
  const auto text = render_human(t);
  CHECK(text.find("LKDR_CHUNK_SIZE = 256 (/etc/default/LifeKeeper)\n") != std::string::npos);
  CHECK(text.find("LKDR_SPEED_LIMIT = 50000 (environment)\n") != std::string::npos);
  CHECK(text.find("LKDR_NO_FULL_SYNC = 1 (/etc/default/LifeKeeper)\n") != std::string::npos);
  CHECK(text.find("LKDR_CONNECT_NBD_DURING_RESTORE = False (environment)\n") != std::string::npos);
}

TEST_CASE("tunables: render_json, value and origin per key, null when unset") {
  const auto t = from_file("LKDR_CHUNK_SIZE=128\n", {{"LKDR_SPEED_LIMIT_MIN", "2000"}}).tunables;
  const auto doc = nlohmann::json::parse(render_json(t));
  CHECK(doc.size() == known_keys().size());
  CHECK(doc["LKDR_CHUNK_SIZE"] == nlohmann::json{{"value", 128}, {"origin", "/etc/default/LifeKeeper"}});
  CHECK(doc["LKDR_SPEED_LIMIT"] == nlohmann::json{{"value", nullptr}, {"origin", "default"}});
  CHECK(doc["LKDR_SPEED_LIMIT_MIN"] == nlohmann::json{{"value", 2000}, {"origin", "environment"}});
  CHECK(doc["LKDR_NO_FULL_SYNC"]["value"] == false);
  CHECK(doc["LKDR_CONNECT_NBD_DURING_RESTORE"]["value"] == true);
  CHECK(doc["LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT"]["value"] == -1);
  CHECK(doc["LKCHECKINTERVAL"]["value"] == 10);
  CHECK(doc["LKDR_ASYNC_LIMIT"]["value"].is_null());
  // Keys in show-config's order, as the human rendering.
  CHECK(render_json(Tunables{}).find("\"LKDR_CHUNK_SIZE\"") < render_json(Tunables{}).find("\"LKDR_ASYNC_LIMIT\""));
}

TEST_CASE("tunables: load reads the file and the environment, absent is fine, unreadable is one line") {
  TempDir dir;
  const auto path = (dir.path / "LifeKeeper").string();
  CHECK(load(path).tunables.chunk_kib.origin == Origin::kDefault);  // no file
  put(path, "LKDR_CHUNK_SIZE=512\nLKCHECKINTERVAL=60\n");
  ::setenv("LKCHECKINTERVAL", "20", 1);
  const auto r = load(path);
  ::unsetenv("LKCHECKINTERVAL");
  CHECK(r.tunables.chunk_kib.value == 512);
  CHECK(r.tunables.chunk_kib.origin == Origin::kFile);
  CHECK(r.tunables.check_interval_s.value == 20);
  CHECK(r.tunables.check_interval_s.origin == Origin::kEnvironment);
  const auto sub = dir.path / "dir";
  fs::create_directory(sub);
  CHECK_THROWS_WITH_AS(load(sub.string()), doctest::Contains("is a directory, not a regular file"), TunableError);
}
