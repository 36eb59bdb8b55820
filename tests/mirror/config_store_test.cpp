// SPDX-License-Identifier: GPL-2.0-or-later
// The config store on a real temp directory.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include "netraid/mirror/config_store.hpp"
#include "temp_dir.hpp"  // tests/common-files

using namespace netraid::mirror::config;

namespace {
MirrorConfig mirror(const std::string& tag) {
  MirrorConfig m;
  m.tag = tag;
  m.md_device = "/dev/md0";
  m.systems = {{"n1", "10.0.0.1", "/dev/sdb1", 10809, 1, ReplicationMode::kSync}};
  return m;
}
}  // namespace

TEST_CASE("config store: save, load, remove") {
  TempDir tmp;
  const Store store((tmp.path / "etc").string());  // created on the first save
  store.save(mirror("datarep"));
  CHECK(store.load("datarep").systems.at(0).device == "/dev/sdb1");
  CHECK(store.list().size() == 1);
  store.remove("datarep");
  CHECK_FALSE(store.find("datarep").has_value());
  CHECK_THROWS_WITH_AS(store.load("datarep"), doctest::Contains("no mirror datarep"), std::invalid_argument);
}

TEST_CASE("config store: errors-a symlink planted at the old temp name does not redirect the write") {
  TempDir tmp;
  std::ofstream(tmp.path / "passwd") << "root:x:0:0\n";
  fs::create_symlink(tmp.path / "passwd", tmp.path / ".datarep.json.tmp");
  Store(tmp.path.string()).save(mirror("datarep"));
  CHECK(slurp(tmp.path / "passwd") == "root:x:0:0\n");
  CHECK(Store(tmp.path.string()).load("datarep").tag == "datarep");
}

TEST_CASE("config store: errors-an invalid tag touches no file, a FIFO config is refused at once") {
  TempDir tmp;
  const Store store(tmp.path.string());
  CHECK_THROWS_AS(store.find("../../etc/x"), std::invalid_argument);
  CHECK_THROWS_AS(store.remove("a\nb"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(store.path(std::string(32, 't')), doctest::Contains("longer than 31"), std::invalid_argument);
  REQUIRE(::mkfifo((tmp.path / "fifo.json").c_str(), 0644) == 0);
  CHECK_THROWS_WITH(store.find("fifo"), doctest::Contains("fifo.json is a FIFO, not a regular file"));
  CHECK_THROWS_WITH(store.list(), doctest::Contains("is a FIFO"));
}
