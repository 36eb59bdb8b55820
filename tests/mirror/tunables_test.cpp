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

// ---- a mirror's own values (MirrorConfig::tunables, issue 15) ----

namespace {

const std::string kFileSpeeds =
    "LKDR_SPEED_LIMIT=4000\nLKDR_SPEED_LIMIT_MIN=1000\nLKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT=60\n";

Tunables mirror_of(const std::string& file_text, const Env& env, const Overrides& overrides) {
  return for_mirror(from_file(file_text, env).tunables, overrides, "datarep");
}

std::string mirror_refusal(const std::string& file_text, const Env& env, const Overrides& overrides) {
  try {
    mirror_of(file_text, env, overrides);
  } catch (const TunableError& e) {
    return e.what();
  }
  return "<accepted>";
}

}  // namespace

TEST_CASE("tunables: per-mirror keys and the origin name of a mirror's config") {
  CHECK(per_mirror_keys() == std::vector<std::string_view>{"LKDR_SPEED_LIMIT", "LKDR_SPEED_LIMIT_MIN",
                                                           "LKDR_NO_FULL_SYNC", "LKDR_CONNECT_NBD_DURING_RESTORE",
                                                           "LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT"});
  CHECK(to_string(Origin::kMirror) == "mirror config");
}

TEST_CASE("tunables: precedence for a mirror: environment > mirror config > file > default") {
  // No override: the file's and the defaults stay, with their origins.
  const auto none = mirror_of(kFileSpeeds, {}, {});
  CHECK(none.speed_limit_kbs.value == 4000u);
  CHECK(none.speed_limit_kbs.origin == Origin::kFile);
  CHECK(none.no_full_sync.origin == Origin::kDefault);

  // The mirror's value over the file's, and over a default.
  const auto own = mirror_of(kFileSpeeds, {},
                             {{"LKDR_SPEED_LIMIT", "50000"},
                              {"LKDR_NO_FULL_SYNC", "1"},
                              {"LKDR_CONNECT_NBD_DURING_RESTORE", "False"},
                              {"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "0"}});
  CHECK(own.speed_limit_kbs.value == 50000u);
  CHECK(own.speed_limit_kbs.origin == Origin::kMirror);
  CHECK(own.speed_limit_min_kbs.value == 1000u);  // not overridden: the file's
  CHECK(own.speed_limit_min_kbs.origin == Origin::kFile);
  CHECK(own.no_full_sync.value == true);
  CHECK(own.no_full_sync.origin == Origin::kMirror);
  CHECK(own.connect_nbd_during_restore.value == false);
  CHECK(own.connect_nbd_during_restore.origin == Origin::kMirror);
  CHECK(own.wait_for_previous_source_s.value == 0);
  CHECK(own.wait_for_previous_source_s.origin == Origin::kMirror);
  // Keys a mirror cannot set are this system's whatever the mirror says.
  CHECK(own.chunk_kib.origin == Origin::kDefault);
  CHECK(own.check_interval_s.origin == Origin::kDefault);

  // The environment over the mirror's value (and so over the file's).
  const auto env = mirror_of(kFileSpeeds, {{"LKDR_SPEED_LIMIT", "7000"}, {"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "30"}},
                             {{"LKDR_SPEED_LIMIT", "50000"}, {"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "0"}});
  CHECK(env.speed_limit_kbs.value == 7000u);
  CHECK(env.speed_limit_kbs.origin == Origin::kEnvironment);
  CHECK(env.wait_for_previous_source_s.value == 30);
  CHECK(env.wait_for_previous_source_s.origin == Origin::kEnvironment);

  // A mirror's value without any file, over the default.
  const auto bare = mirror_of("", {}, {{"LKDR_SPEED_LIMIT_MIN", "2000"}});
  CHECK(bare.speed_limit_min_kbs.value == 2000u);
  CHECK(bare.speed_limit_min_kbs.origin == Origin::kMirror);
  CHECK_FALSE(bare.speed_limit_kbs.value.has_value());

  // An empty value counts as unset, as in the file: the next source stays.
  const auto empty = mirror_of(kFileSpeeds, {}, {{"LKDR_SPEED_LIMIT", ""}});
  CHECK(empty.speed_limit_kbs.value == 4000u);
  CHECK(empty.speed_limit_kbs.origin == Origin::kFile);
}

TEST_CASE("tunables: a bad value in a mirror's config is one line naming key, value, mirror and what is allowed") {
  CHECK(mirror_refusal("", {}, {{"LKDR_SPEED_LIMIT", "fast"}}) ==
        "LKDR_SPEED_LIMIT='fast' (mirror config of datarep) is not a number of KB/s from 1 to 100000000: fix it "
        "with 'netraid set datarep --tunable LKDR_SPEED_LIMIT=VALUE' or drop it with 'netraid set datarep "
        "--tunable LKDR_SPEED_LIMIT='");
  CHECK(mirror_refusal("", {}, {{"LKDR_NO_FULL_SYNC", "2"}}).rfind(
            "LKDR_NO_FULL_SYNC='2' (mirror config of datarep) is not 0 or 1: ", 0) == 0);
  CHECK(mirror_refusal("", {}, {{"LKDR_CONNECT_NBD_DURING_RESTORE", "later"}})
            .rfind("LKDR_CONNECT_NBD_DURING_RESTORE='later' (mirror config of datarep) is not True or False: ", 0) == 0);
  CHECK(mirror_refusal("", {}, {{"LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT", "-5"}})
            .find("is not -1 (wait until it returns), 0 (do not wait) or a number of seconds") != std::string::npos);
  // Checked even where the environment hides it: it is wrong on every system.
  CHECK(mirror_refusal("", {{"LKDR_SPEED_LIMIT", "7000"}}, {{"LKDR_SPEED_LIMIT", "0"}})
            .rfind("LKDR_SPEED_LIMIT='0' (mirror config of datarep)", 0) == 0);
  // Keys a mirror cannot set, and unknown ones.
  CHECK(mirror_refusal("", {}, {{"LKCHECKINTERVAL", "30"}}) ==
        "LKCHECKINTERVAL='30' (mirror config of datarep) is not a tunable a mirror can set: a mirror's config may "
        "set LKDR_SPEED_LIMIT, LKDR_SPEED_LIMIT_MIN, LKDR_NO_FULL_SYNC, LKDR_CONNECT_NBD_DURING_RESTORE, "
        "LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT (others only in /etc/default/LifeKeeper): drop it with 'netraid set "
        "datarep --tunable LKCHECKINTERVAL='");
  CHECK(mirror_refusal("", {}, {{"LKDR_CHUNK_SIZE", "128"}}).find("is not a tunable a mirror can set") !=
        std::string::npos);
  CHECK(mirror_refusal("", {}, {{"LKDR_ASYNC_LIMIT", "128"}}).find("is not a tunable a mirror can set") !=
        std::string::npos);
  CHECK(mirror_refusal("", {}, {{"LKDR_SPEEDLIMIT", "128"}}).rfind("LKDR_SPEEDLIMIT='128' (mirror config", 0) == 0);
}

TEST_CASE("tunables: a mirror's limit md would ignore is refused, naming both sides") {
  // The mirror's limit below the file's minimum: the mirror's is named.
  CHECK(mirror_refusal(kFileSpeeds, {}, {{"LKDR_SPEED_LIMIT", "500"}}) ==
        "LKDR_SPEED_LIMIT='500' (mirror config of datarep) is below LKDR_SPEED_LIMIT_MIN='1000' "
        "(/etc/default/LifeKeeper line 2), so md would ignore that limit: fix it with 'netraid set datarep "
        "--tunable LKDR_SPEED_LIMIT=VALUE' or drop it with 'netraid set datarep --tunable LKDR_SPEED_LIMIT='");
  // The mirror's minimum above the environment's limit.
  CHECK(mirror_refusal("", {{"LKDR_SPEED_LIMIT", "3000"}}, {{"LKDR_SPEED_LIMIT_MIN", "5000"}})
            .rfind("LKDR_SPEED_LIMIT_MIN='5000' (mirror config of datarep) is above LKDR_SPEED_LIMIT='3000' "
                   "(environment)",
                   0) == 0);
  // Both the mirror's: the minimum is named, on any system.
  CHECK(overrides_problem({{"LKDR_SPEED_LIMIT", "1000"}, {"LKDR_SPEED_LIMIT_MIN", "2000"}}, "datarep")
            .rfind("LKDR_SPEED_LIMIT_MIN='2000' (mirror config of datarep) is above LKDR_SPEED_LIMIT='1000' "
                   "(mirror config of datarep)",
                   0) == 0);
  CHECK(overrides_problem({{"LKDR_SPEED_LIMIT", "1000"}, {"LKDR_SPEED_LIMIT_MIN", "1000"}}, "datarep").empty());
  CHECK(overrides_problem({}, "datarep").empty());
  // A limit above the file's minimum is fine.
  CHECK(mirror_refusal(kFileSpeeds, {}, {{"LKDR_SPEED_LIMIT", "1000"}}) == "<accepted>");
}

TEST_CASE("tunables: render per mirror, the per-mirror keys with 'mirror config' as origin") {
  const auto t = mirror_of(kFileSpeeds, {}, {{"LKDR_SPEED_LIMIT", "50000"}});
  CHECK(render_human(t, Scope::kPerMirror) ==
        "LKDR_SPEED_LIMIT = 50000 (mirror config)\n"
        "LKDR_SPEED_LIMIT_MIN = 1000 (/etc/default/LifeKeeper)\n"
        "LKDR_NO_FULL_SYNC = 0 (default)\n"
        "LKDR_CONNECT_NBD_DURING_RESTORE = True (default)\n"
        "LKDR_WAIT_FOR_PREVIOUS_SOURCE_TIMEOUT = 60 (/etc/default/LifeKeeper)\n");
  const auto doc = nlohmann::json::parse(render_json(t, Scope::kPerMirror));
  CHECK(doc.size() == per_mirror_keys().size());
  CHECK(doc["LKDR_SPEED_LIMIT"] == nlohmann::json{{"value", 50000}, {"origin", "mirror config"}});
  CHECK(render_human(t).find("LKDR_SPEED_LIMIT = 50000 (mirror config)\n") != std::string::npos);
}
