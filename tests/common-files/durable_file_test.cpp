// SPDX-License-Identifier: GPL-2.0-or-later
// Writes on a real temp directory: real files, real fsync, real errors.
#include <doctest/doctest.h>
#include <unistd.h>

#include "netraid/common/durable_file.hpp"
#include "netraid/common/file_error.hpp"
#include "temp_dir.hpp"

using namespace netraid::common;

TEST_CASE("durable file: replace is atomic (old or new content, never a mix) and leaves no temp") {
  TempDir tmp;
  write_file_durably(tmp.path.string(), "f", std::string(10000, 'a'));
  write_file_durably(tmp.path.string(), "f", "short\n");
  CHECK(slurp(tmp.path / "f") == "short\n");
  CHECK(listing(tmp.path) == std::vector<std::string>{"f"});
  remove_file_durably(tmp.path.string(), "f");
  CHECK(listing(tmp.path).empty());
  remove_file_durably(tmp.path.string(), "f");  // already absent: fine
}

TEST_CASE("durable file: errors-a symlink planted at the old fixed temp name is never written through") {
  TempDir tmp;
  // What config-import used to open with O_TRUNC: /etc/netraid/.NAME.json.tmp
  put(tmp.path / "victim", "precious\n");
  fs::create_symlink(tmp.path / "victim", tmp.path / ".datarep.json.tmp");
  write_file_durably((tmp.path / "datarep.json").string(), "{}\n");
  CHECK(slurp(tmp.path / "victim") == "precious\n");
  CHECK(slurp(tmp.path / "datarep.json") == "{}\n");
  CHECK(fs::is_symlink(tmp.path / ".datarep.json.tmp"));
}

TEST_CASE("durable file: a symlink at the file's own name is replaced, its target untouched") {
  TempDir tmp;
  put(tmp.path / "victim", "precious\n");
  fs::create_symlink(tmp.path / "victim", tmp.path / "state");
  write_file_durably(tmp.path.string(), "state", "new\n");
  CHECK_FALSE(fs::is_symlink(tmp.path / "state"));
  CHECK(slurp(tmp.path / "state") == "new\n");
  CHECK(slurp(tmp.path / "victim") == "precious\n");
}

TEST_CASE("durable file: a whole path gets its missing directories, mode 0755") {
  TempDir tmp;
  const auto path = tmp.path / "run" / "netraid" / "t.legs.json";
  write_file_durably(path.string(), "{}\n");
  CHECK(slurp(path) == "{}\n");
  CHECK((fs::status(tmp.path / "run").permissions() & fs::perms::others_write) == fs::perms::none);
}

TEST_CASE("durable file: errors-each failure names the file and changes nothing") {
  TempDir tmp;
  CHECK_THROWS_WITH_AS(write_file_durably((tmp.path / "absent").string(), "f", "x"),
                       doctest::Contains("cannot create a temp file"), FileError);
  put(tmp.path / "plain", "x");
  CHECK_THROWS_WITH_AS(write_file_durably((tmp.path / "plain" / "f").string(), "x"),
                       doctest::Contains("exists but is not a directory"), FileError);
  fs::create_directory(tmp.path / "dir");
  CHECK_THROWS_WITH_AS(write_file_durably(tmp.path.string(), "dir", "x"), doctest::Contains("rename failed"),
                       FileError);
  CHECK(listing(tmp.path) == std::vector<std::string>{"dir", "plain"});  // no temp left
  CHECK_THROWS_AS(write_file_durably("relative-name", "x"), FileError);
  if (::geteuid() != 0) {  // root writes through mode 0555
    fs::create_directory(tmp.path / "ro");
    fs::permissions(tmp.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    CHECK_THROWS_WITH(write_file_durably((tmp.path / "ro").string(), "f", "x"),
                      doctest::Contains("Permission denied"));
    fs::permissions(tmp.path / "ro", fs::perms::owner_all);
  }
}
