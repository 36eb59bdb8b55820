// SPDX-License-Identifier: GPL-2.0-or-later
// The store on a real temp directory: real files, real fsync, real errors.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "netraid/flags/flag_error.hpp"
#include "netraid/flags/flag_store.hpp"
#include "temp_dir.hpp"  // tests/common-files

using namespace netraid::flags;

TEST_CASE("store: every flag is absent at first, then reads back exactly what was written") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  CHECK_FALSE(store.last_owner("datarep").has_value());
  CHECK_FALSE(store.source("datarep").has_value());
  CHECK_FALSE(store.data_corrupt("datarep").has_value());
  CHECK_FALSE(store.sync_state("datarep").has_value());
  CHECK_FALSE(store.generation("datarep").has_value());
  CHECK(store.targets("datarep").empty());

  store.set_last_owner("datarep", "n1");
  store.set_source("datarep", "n1");
  store.set_data_corrupt("datarep", "source came back without its targets\nsecond line");
  store.set_sync_state("datarep", SyncState::Resyncing);
  store.set_generation("datarep", Generation{0xabc, {0x1}});
  store.set_target_state("datarep", "n2", SyncState::InSync);
  store.set_target_state("datarep", "n3", SyncState::OutOfSync);

  CHECK(store.last_owner("datarep") == "n1");
  CHECK(store.source("datarep") == "n1");
  CHECK(store.data_corrupt("datarep") == "source came back without its targets second line");
  CHECK(store.sync_state("datarep") == SyncState::Resyncing);
  CHECK(store.generation("datarep") == Generation{0xabc, {0x1}});
  CHECK(store.targets("datarep") == std::map<std::string, SyncState>{{"n2", SyncState::InSync},
                                                                     {"n3", SyncState::OutOfSync}});
  // The on-disk names and contents an operator sees (DataKeeper's names).
  CHECK(slurp(tmp.path / "datarep_last_owner") == "n1\n");
  CHECK(slurp(tmp.path / "datarep_source") == "n1\n");
  CHECK(slurp(tmp.path / "datarep_sync_state") == "resyncing\n");
  CHECK(slurp(tmp.path / "datarep_targets") == "n2 in_sync\nn3 out_of_sync\n");
  // No temp file is left behind.
  CHECK(listing(tmp.path) == std::vector<std::string>{"datarep_data_corrupt", "datarep_generation",
                                                      "datarep_last_owner", "datarep_source",
                                                      "datarep_sync_state", "datarep_targets"});
}

TEST_CASE("store: clearing flags, forgetting targets, removing one tag leaves others") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  store.set_last_owner("a", "n1");
  store.set_data_corrupt("a", "x");
  store.set_target_state("a", "n2", SyncState::InSync);
  store.set_last_owner("b", "n1");
  store.clear_data_corrupt("a");
  CHECK_FALSE(store.data_corrupt("a").has_value());
  store.clear_data_corrupt("a");  // already absent: fine
  store.forget_target("a", "n2");
  CHECK(store.targets("a").empty());
  CHECK_FALSE(fs::exists(tmp.path / "a_targets"));
  store.remove_all("a");
  CHECK_FALSE(store.last_owner("a").has_value());
  CHECK(store.last_owner("b") == "n1");
}

TEST_CASE("store: wait_started reads back, survives as a file, is removed with the tag") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  CHECK_FALSE(store.wait_started("datarep").has_value());
  store.set_wait_started("datarep", 1796223600);
  CHECK(store.wait_started("datarep") == 1796223600);
  CHECK(slurp(tmp.path / "datarep_wait_started") == "1796223600\n");
  store.clear_wait_started("datarep");
  CHECK_FALSE(store.wait_started("datarep").has_value());
  store.set_wait_started("datarep", 5);
  store.remove_all("datarep");
  CHECK_FALSE(fs::exists(tmp.path / "datarep_wait_started"));
  put(tmp.path / "t_wait_started", "-5\n");
  CHECK_THROWS_WITH_AS(store.wait_started("t"), doctest::Contains("t_wait_started"), FlagError);
  put(tmp.path / "t_wait_started", "12");
  CHECK_THROWS_AS(store.wait_started("t"), FlagError);
}

TEST_CASE("store: an empty data_corrupt file (touched by hand) still counts as set") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  put(tmp.path / "datarep_data_corrupt", "");
  CHECK(store.data_corrupt("datarep") == "");
}

TEST_CASE("store: errors-torn, foreign and unreadable flags are errors, never absent") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  put(tmp.path / "t_last_owner", "");  // torn: created, never written
  CHECK_THROWS_WITH_AS(store.last_owner("t"), doctest::Contains("torn or foreign"), FlagError);
  put(tmp.path / "t_source", "n1");  // no newline: cut short
  CHECK_THROWS_WITH(store.source("t"), doctest::Contains("t_source"));
  put(tmp.path / "t_sync_state", "in_s");
  CHECK_THROWS_WITH(store.sync_state("t"), doctest::Contains("t_sync_state"));
  put(tmp.path / "t_generation", "current 00000000000000");
  CHECK_THROWS_AS(store.generation("t"), FlagError);
  put(tmp.path / "t_targets", "n2 in_sync\nn3");
  CHECK_THROWS_AS(store.targets("t"), FlagError);
  put(tmp.path / "u_last_owner", "n1\x01\n");
  CHECK_THROWS_AS(store.last_owner("u"), FlagError);
  // A flag that cannot be read (here: EISDIR) is an error naming the file.
  fs::create_directory(tmp.path / "d_data_corrupt");
  CHECK_THROWS_WITH(store.data_corrupt("d"), doctest::Contains("d_data_corrupt"));
  if (::geteuid() != 0) {  // root reads through mode 000
    put(tmp.path / "p_last_owner", "n1\n");
    ::chmod((tmp.path / "p_last_owner").c_str(), 0);
    CHECK_THROWS_WITH(store.last_owner("p"), doctest::Contains("Permission denied"));
  }
}

TEST_CASE("store: errors-a missing flag directory is not 'no flags'") {
  TempDir tmp;
  const FlagStore store((tmp.path / "not-there").string());
  CHECK_THROWS_WITH_AS(store.last_owner("datarep"), doctest::Contains("does not exist"), FlagError);
  CHECK_THROWS_AS(store.set_last_owner("datarep", "n1"), FlagError);
  store.create_directory();
  CHECK_FALSE(store.last_owner("datarep").has_value());
  store.set_last_owner("datarep", "n1");
  CHECK(store.last_owner("datarep") == "n1");
}

TEST_CASE("store: errors-bad tags, node names and directories are refused before any file is touched") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  CHECK_THROWS_AS(store.set_last_owner("../x", "n1"), FlagError);
  CHECK_THROWS_AS(store.set_last_owner("ok", "n1 n2"), FlagError);
  CHECK_THROWS_AS(store.set_target_state("ok", "", SyncState::InSync), FlagError);
  CHECK_THROWS_AS(store.set_generation("ok", Generation{}), FlagError);
  CHECK(listing(tmp.path).empty());
  CHECK_THROWS_AS(FlagStore("relative/dir"), FlagError);
  put(tmp.path / "file", "x");
  CHECK_THROWS_WITH(FlagStore((tmp.path / "file").string()).create_directory(), doctest::Contains("not a directory"));
}

TEST_CASE("store: errors-a FIFO or a symlink at a flag's path is an error naming it, at once") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  // Opened without O_NONBLOCK, a FIFO would block until a writer comes: forever.
  REQUIRE(::mkfifo((tmp.path / "f_last_owner").c_str(), 0644) == 0);
  CHECK_THROWS_WITH_AS(store.last_owner("f"), doctest::Contains("f_last_owner is a FIFO"), FlagError);
  put(tmp.path / "elsewhere", "n9\n");
  fs::create_symlink(tmp.path / "elsewhere", tmp.path / "s_source");
  CHECK_THROWS_WITH_AS(store.source("s"), doctest::Contains("s_source is a symbolic link"), FlagError);
  put(tmp.path / "big_generation", std::string(kMaxFlagFileBytes + 1, 'x'));
  CHECK_THROWS_WITH_AS(store.generation("big"), doctest::Contains("not a netraid flag"), FlagError);
}

TEST_CASE("store: errors-torn content is echoed on one line") {
  TempDir tmp;
  const FlagStore store(tmp.path.string());
  put(tmp.path / "t_sync_state", "in_sync\nnetraid: forged line\n");
  CHECK_THROWS_WITH_AS(store.sync_state("t"), doctest::Contains("'in_sync\\nnetraid: forged line\\n'"), FlagError);
}
