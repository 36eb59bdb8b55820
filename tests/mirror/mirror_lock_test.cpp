// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mirror/mirror_lock.hpp"

using namespace netraid::mirror::lock;

namespace {
LockPlan plan_of(const char* verb, std::vector<std::string> args) { return plan(verb, args); }
}  // namespace

TEST_CASE("every verb that changes a mirror locks it and readers and peer plumbing do not") {
  for (const char* verb : {"create", "extend", "unextend", "delete", "resync", "fullresync", "pause", "resume", "set",
                           "resize", "restore", "remove", "force", "serve", "verify"}) {
    CAPTURE(verb);
    CHECK(rule_for(verb) != nullptr);
  }
  // wait/status/quickcheck only read; flags-report, flags-set, node-info and
  // config-import/-forget are run by another system that holds its own lock
  // (taking ours could make two systems wait on each other); the monitor
  // only tries, per mirror and pass; attach/detach name an NBD device.
  for (const char* verb : {"wait", "status", "quickcheck", "flags-report", "flags-set", "node-info", "config-import",
                           "config-forget", "monitor", "attach", "detach", "nbd-watch", "nbd-status", "probe",
                           "version", "nosuch"}) {
    CAPTURE(verb);
    CHECK(rule_for(verb) == nullptr);
  }
}

TEST_CASE("plan finds the TAG among options and their values") {
  CHECK(plan_of("extend", {"other", "--target", "n3"}).tag == "other");
  CHECK(plan_of("extend", {"--target", "n3", "other"}).tag == "other");  // n3 is --target's value
  CHECK(plan_of("extend", {"--target=n3", "--priority", "2", "other"}).tag == "other");
  CHECK(plan_of("create", {"--local", "/dev/sdb1", "datarep", "--mount", "/data"}).tag == "datarep");
  CHECK(plan_of("unextend", {"datarep", "n3"}).tag == "datarep");
  CHECK(plan_of("delete", {"--force", "datarep"}).tag == "datarep");
  CHECK(plan_of("restore", {"datarep", "--force"}).tag == "datarep");
  CHECK(plan_of("restore", {"datarep", "--json"}).tag == "datarep");
  CHECK(plan_of("restore", {"--json", "datarep", "--force"}).refusal.empty());
  CHECK(plan_of("set", {"--speed-limit", "1000", "datarep"}).tag == "datarep");
  CHECK(plan_of("set", {"--tunable", "LKDR_SPEED_LIMIT=1", "datarep", "--tunable=LKDR_NO_FULL_SYNC=1"}).tag ==
        "datarep");
  CHECK(plan_of("resize", {"--size", "1048576", "datarep", "--yes"}).tag == "datarep");
  CHECK(plan_of("resize", {"--yes", "--size=1048576", "datarep"}).tag == "datarep");
  CHECK(plan_of("serve", {"datarep", "--device", "/dev/sdb", "--allow", "10.0.0.1", "--direct"}).tag == "datarep");
  CHECK(plan_of("serve", {"--stop", "datarep"}).tag == "datarep");
  CHECK(plan_of("serve", {"-d", "/dev/sdb", "datarep"}).tag == "datarep");
  CHECK(plan_of("resync", {"--", "datarep"}).tag == "datarep");
  CHECK(plan_of("verify", {"--repair", "--timeout", "60", "datarep"}).tag == "datarep");
  CHECK(plan_of("verify", {"datarep", "--no-regions"}).tag == "datarep");
}

TEST_CASE("plan locks nothing where the verb only reads or prints help or refuses the arguments itself") {
  CHECK(plan_of("serve", {"--status", "datarep"}).tag.empty());
  CHECK(plan_of("serve", {"datarep", "--status"}).tag.empty());
  CHECK(plan_of("extend", {"other", "--help"}).tag.empty());
  CHECK(plan_of("delete", {"-h"}).tag.empty());
  CHECK(plan_of("resync", {}).tag.empty());                      // "give exactly one TAG"
  CHECK(plan_of("extend", {"--target", "n3"}).tag.empty());      // no TAG
  CHECK(plan_of("create", {"bad/tag", "--local", "/dev/sdb"}).tag.empty());  // names no lock file
  CHECK(plan_of("create", {std::string(65, 'a')}).tag.empty());
  CHECK(plan_of("status", {"datarep"}).tag.empty());
  CHECK(plan_of("wait", {"datarep"}).tag.empty());
  for (const auto& p : {plan_of("serve", {"--status", "datarep"}), plan_of("resync", {})}) CHECK(p.refusal.empty());
}

TEST_CASE("an option the table does not know is refused before anything is locked, wherever it stands") {
  for (const auto& args : {std::vector<std::string>{"--new-option", "x", "other"},
                           std::vector<std::string>{"other", "--new-option", "x"}}) {
    const auto p = plan_of("extend", args);
    CHECK(p.tag.empty());
    CHECK(p.refusal == "extend: unknown option '--new-option': see 'netraid extend --help'");
  }
  // The words the verb's own parser uses, so the user sees one message.
  CHECK(plan_of("create", {"new", "--local", "/dev/ubdc", "--bogus"}).refusal ==
        "create: unknown option '--bogus': see 'netraid create --help'");
  CHECK(plan_of("delete", {"datarep", "--force=yes"}).refusal == "delete: option --force takes no value: drop '=yes'");
}

TEST_CASE("a repeated option is refused before anything is locked, as the verb itself refuses it") {
  CHECK(plan_of("extend", {"datarep", "--target", "n2", "--target", "n3"}).refusal ==
        "extend: option --target given twice: give it once");
  CHECK(plan_of("serve", {"datarep", "-d", "/dev/a", "--device", "/dev/b"}).tag.empty());
  // serve takes one --allow per source address.
  CHECK(plan_of("serve", {"datarep", "--device", "/dev/a", "--allow", "1.2.3.4", "--allow", "1.2.3.5"}).tag ==
        "datarep");
}

TEST_CASE("every tag the configuration accepts names a lock file") {
  for (const char* tag : {"datarep", "a", "db-1.prod_2", "0abc", "x.y.z"}) {
    CAPTURE(tag);
    REQUIRE(netraid::mirror::config::validate_tag(tag).empty());
    CHECK(lockable_tag(tag));
  }
  CHECK(lockable_tag(std::string(64, 'a')));
  for (const char* tag : {"", "a/b", "../x", "a b", "a\nb", "tag$"}) {
    CAPTURE(tag);
    CHECK_FALSE(lockable_tag(tag));
  }
  CHECK_FALSE(lockable_tag(std::string(65, 'a')));
}

TEST_CASE("holder record: written and read back and anything else is unknown") {
  CHECK(format_holder({"extend", 1234}) == "extend 1234\n");
  auto h = parse_holder("extend 1234\n");
  REQUIRE(h);
  CHECK(h->verb == "extend");
  CHECK(h->pid == 1234);
  CHECK(parse_holder(format_holder({"flags-set", 7}))->verb == "flags-set");
  for (const char* bad : {"", "\n", "extend 1234", "extend\n", "extend x\n", "extend 0\n", "extend -5\n",
                          " 12\n", "ext end 12\n", "Extend 12\n", "extend 12 \n"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_holder(bad));
  }
}

TEST_CASE("busy messages name the holder or say someone when the record is unreadable") {
  CHECK(waiting_message("other", Holder{"extend", 812}, 120) == "other is busy: extend by pid 812; waiting up to 120 s");
  CHECK(busy_message("other", Holder{"extend", 812}) == "other is busy: extend by pid 812 (try again when it ends)");
  CHECK(busy_message("other", std::nullopt) == "other is busy: another netraid command (try again when it ends)");
}

TEST_CASE("wait policy: NETRAID_LOCK_WAIT seconds (default 120) and retries at most half a second apart") {
  CHECK(wait_seconds(nullptr) == kDefaultWaitSeconds);
  CHECK(wait_seconds("") == kDefaultWaitSeconds);
  CHECK(wait_seconds("0") == 0);
  CHECK(wait_seconds("300") == 300);
  for (const char* bad : {"-1", "1.5", "abc", "10s", "86401", "99999999999"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(wait_seconds(bad), std::invalid_argument);
  }
  CHECK(retry_delay_ms(0) == 20);
  CHECK(retry_delay_ms(1) == 40);
  CHECK(retry_delay_ms(4) == 320);
  CHECK(retry_delay_ms(5) == 500);
  CHECK(retry_delay_ms(1000) == 500);
}

TEST_CASE("flock_held_by reads /proc/locks: the holder's write flock on that inode and not a waiter") {
  const std::string text =
      "1: POSIX  ADVISORY  WRITE 77 00:17:5678 0 EOF\n"
      "2: FLOCK  ADVISORY  WRITE 812 00:17:5678 0 EOF\n"
      "2: -> FLOCK  ADVISORY  WRITE 813 00:17:5678 0 EOF\n"
      "3: FLOCK  ADVISORY  READ 900 00:17:9999 0 EOF\n";
  CHECK(flock_held_by(text, 812, 5678));
  CHECK_FALSE(flock_held_by(text, 813, 5678));  // only waiting
  CHECK_FALSE(flock_held_by(text, 812, 5679));  // another file
  CHECK_FALSE(flock_held_by(text, 77, 5678));   // a POSIX lock is not ours
  CHECK_FALSE(flock_held_by(text, 900, 9999));  // shared, not exclusive
  CHECK_FALSE(flock_held_by("", 812, 5678));
}

// ---- the lock itself, on a real file system (a temporary run dir) ----

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "netraid/mirror/exit_codes.hpp"

namespace {
struct TempRunDir {
  std::string path;
  TempRunDir() {
    char tmpl[] = "/tmp/netraid-lock-test.XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
  }
  ~TempRunDir() { std::filesystem::remove_all(path); }
};
const auto quiet = [](const std::string&) {};

// Runs BODY in a child process; its exit status.
template <class Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST_CASE("a held lock makes the next command busy until it is released") {
  TempRunDir dir;
  Locker locker(dir.path);
  {
    auto held = locker.acquire("datarep", "extend", 0, quiet);
    struct stat st {};
    REQUIRE(::stat((dir.path + "/datarep.lock").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(std::string(std::getenv("NETRAID_LOCK_HELD")) == "datarep");
    std::string busy;
    CHECK_FALSE(locker.try_acquire("datarep", "monitor", &busy));
    CHECK(busy == "datarep is busy: extend by pid " + std::to_string(::getpid()));
    CHECK(locker.try_acquire("other", "monitor", &busy));  // another mirror is not held back
    try {
      locker.acquire("datarep", "delete", 0, quiet);
      FAIL("a second acquire succeeded");
    } catch (const BusyError& e) {
      CHECK(std::string(e.what()) ==
            "datarep is busy: extend by pid " + std::to_string(::getpid()) + " (try again when it ends)");
      CHECK(e.exit_code == netraid::mirror::kBusy);
    }
  }
  CHECK(std::getenv("NETRAID_LOCK_HELD") == nullptr);
  CHECK(locker.try_acquire("datarep", "monitor", nullptr));
}

TEST_CASE("a waiting command says so once and gets the lock when the holder ends") {
  TempRunDir dir;
  Locker locker(dir.path);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t holder = ::fork();
  if (holder == 0) {
    auto held = Locker(dir.path).acquire("datarep", "extend", 0, quiet);
    (void)!::write(fds[1], "x", 1);
    ::usleep(300 * 1000);
    ::_exit(0);
  }
  char c;
  REQUIRE(::read(fds[0], &c, 1) == 1);
  std::vector<std::string> said;
  auto held = locker.acquire("datarep", "delete", 10, [&](const std::string& line) { said.push_back(line); });
  REQUIRE(said.size() == 1);
  CHECK(said[0] == "datarep is busy: extend by pid " + std::to_string(holder) + "; waiting up to 10 s");
  ::waitpid(holder, nullptr, 0);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("netraid run by the holder may act under its lock and nobody else may whatever the environment says") {
  TempRunDir dir;
  Locker locker(dir.path);
  auto held = locker.acquire("datarep", "restore", 0, quiet);
  // A child of the holder (restore runs `serve --stop`): its parent holds it.
  CHECK(in_child([&] { return Locker(dir.path).try_acquire("datarep", "serve", nullptr) ? 0 : 1; }) == 0);
  // Without the variable the child is just another command.
  CHECK(in_child([&] {
          ::unsetenv("NETRAID_LOCK_HELD");
          return Locker(dir.path).try_acquire("datarep", "serve", nullptr) ? 0 : 1;
        }) == 1);
  // A grandchild (a daemon the child started) inherits the variable, but its
  // parent holds nothing.
  CHECK(in_child([&] {
          return in_child([&] { return Locker(dir.path).try_acquire("datarep", "serve", nullptr) ? 0 : 1; });
        }) == 1);
  // The variable names another mirror.
  CHECK(in_child([&] {
          ::setenv("NETRAID_LOCK_HELD", "other", 1);
          return Locker(dir.path).try_acquire("datarep", "serve", nullptr) ? 0 : 1;
        }) == 1);
}

TEST_CASE("a lock file that is not a regular file is refused with one line") {
  TempRunDir dir;
  Locker locker(dir.path);
  const std::string fifo = dir.path + "/fifo.lock";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH_AS(locker.acquire("fifo", "extend", 0, quiet),
                       (fifo + " is not a regular file: remove it (netraid keeps the lock of fifo there) and try again")
                           .c_str(),
                       netraid::mirror::OpError);
  REQUIRE(::symlink("/etc/passwd", (dir.path + "/link.lock").c_str()) == 0);
  CHECK_THROWS_AS(locker.acquire("link", "extend", 0, quiet), netraid::mirror::OpError);
  std::filesystem::create_directory(dir.path + "/dir.lock");
  CHECK_THROWS_AS(locker.acquire("dir", "extend", 0, quiet), netraid::mirror::OpError);
}

TEST_CASE("the run dir is created when missing") {
  TempRunDir dir;
  Locker locker(dir.path + "/sub/run");
  CHECK(locker.try_acquire("datarep", "create", nullptr));
  CHECK(std::filesystem::is_regular_file(dir.path + "/sub/run/datarep.lock"));
}
