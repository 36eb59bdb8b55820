// SPDX-License-Identifier: GPL-2.0-or-later
// attach / detach / watch decisions against a fake kernel, dialer and clock.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <map>
#include <fcntl.h>
#include <unistd.h>

#include "netraid/nbd/client.hpp"
#include "netraid/nbd/error.hpp"

using namespace netraid::nbd;

namespace {
constexpr std::uint16_t kGood = proto::kTxHasFlags | proto::kTxSendFlush | proto::kTxSendFua | proto::kTxCanMultiConn;

struct FakeKernel : NbdKernel {
  std::map<unsigned, bool> connected;
  std::vector<ConnectRequest> connects;
  std::vector<std::pair<unsigned, std::size_t>> reconfigures;
  std::vector<unsigned> disconnects;
  int connect_errno = 0;
  unsigned next_free = 0;
  unsigned connect(const ConnectRequest& r) override {
    connects.push_back(r);
    for (int fd : r.fds) CHECK(::fcntl(fd, F_GETFD) >= 0);  // live sockets reach the kernel
    if (connect_errno) fail(ErrorKind::kKernel, "refused");
    const unsigned i = r.index.value_or(next_free);
    connected[i] = true;
    return i;
  }
  void reconfigure(unsigned index, const std::string& backend, const std::vector<int>& fds) override {
    CHECK(backend == "nbd://10.0.0.2:10809/m1");
    reconfigures.emplace_back(index, fds.size());
    calls.push_back("reconfigure " + std::to_string(index));
  }
  std::vector<std::string> calls;  // resize and reconfigure, in order
  std::optional<std::uint64_t> size_now;
  void resize(unsigned index, const std::string& backend, std::uint64_t size,
              std::optional<std::uint64_t> dead_conn_timeout_s) override {
    CHECK(backend == "nbd://10.0.0.2:10809/m1");
    calls.push_back("resize " + std::to_string(index) + " " + std::to_string(size) + " hold " +
                    (dead_conn_timeout_s ? std::to_string(*dead_conn_timeout_s) : "-"));
    size_now = size;
  }
  void disconnect(unsigned index) override {
    disconnects.push_back(index);
    connected[index] = false;
  }
  std::vector<DeviceState> status(std::optional<unsigned> index) override {
    std::vector<DeviceState> out;
    for (unsigned i = 0; i < 4; ++i)
      if (!index || *index == i) out.push_back({i, connected[i]});
    return out;
  }
  std::optional<std::string> backend(unsigned) override { return "nbd://10.0.0.2:10809/m1"; }
  std::optional<std::uint64_t> size_bytes(unsigned) override { return size_now.value_or(1 << 30); }
};

// Each dial returns the next scripted outcome: an ExportInfo, or an error.
struct FakeDialer : Dialer {
  std::deque<std::function<ExportInfo()>> outcomes;
  int dials = 0;
  std::vector<int> fds_open;
  Connection dial(const Target&) override {
    ++dials;
    REQUIRE(!outcomes.empty());
    auto next = outcomes.front();
    outcomes.pop_front();
    Connection c;
    c.info = next();
    c.fd = UniqueFd(::dup(0));
    return c;
  }
  void ok(std::uint64_t size = 1 << 30, std::uint16_t flags = kGood) {
    outcomes.push_back([=] { return ExportInfo{size, flags, std::nullopt}; });
  }
  void refused() {
    outcomes.push_back([]() -> ExportInfo { fail(ErrorKind::kNetwork, "connection refused"); });
  }
};

struct FakeEvents : LinkEvents {
  std::deque<std::optional<unsigned>> script;
  std::function<void()> when_empty;
  std::optional<unsigned> wait_link_dead(std::chrono::milliseconds) override {
    if (script.empty()) {
      if (when_empty) when_empty();
      return std::nullopt;
    }
    auto v = script.front();
    script.pop_front();
    return v;
  }
};

struct FakeClock : Clock {
  std::chrono::milliseconds t{0};
  std::vector<long> sleeps;
  std::chrono::milliseconds now() override { return t; }
  void sleep(std::chrono::milliseconds d) override {
    sleeps.push_back(static_cast<long>(d.count()));
    t += d;
  }
};

AttachOptions opts(unsigned connections = 1) {
  AttachOptions o;
  o.target = parse_target("10.0.0.2", "m1");
  o.connections = connections;
  o.min_size = 1 << 30;
  o.timeout_s = 7;
  o.dead_conn_timeout_s = 60;
  return o;
}
}  // namespace

TEST_CASE("attach hands every socket and the negotiated facts to the kernel") {
  FakeKernel k;
  k.next_free = 2;
  FakeDialer d;
  for (int i = 0; i < 3; ++i) d.ok();
  const auto r = attach(k, d, opts(3));
  CHECK(r.index == 2);
  REQUIRE(k.connects.size() == 1);
  const auto& c = k.connects[0];
  CHECK_FALSE(c.index);
  CHECK(c.fds.size() == 3);
  CHECK(c.size_bytes == (1 << 30));
  CHECK(c.block_size == 512);
  CHECK(c.server_flags == kGood);
  CHECK(c.timeout_s == 7);
  CHECK(c.dead_conn_timeout_s == 60);
  CHECK(c.backend == "nbd://10.0.0.2:10809/m1");
}

TEST_CASE("errors-attach: busy device, small target, failing later connection, kernel refusal, nothing attached") {
  SUBCASE("busy index: refused before dialing") {
    FakeKernel k;
    k.connected[1] = true;
    FakeDialer d;
    auto o = opts();
    o.index = 1;
    CHECK_THROWS_WITH(attach(k, d, o),
                      "/dev/nbd1 is already attached: detach it first (netraid detach) or choose another --device");
    CHECK(d.dials == 0);
    CHECK(k.connects.empty());
  }
  SUBCASE("target too small") {
    FakeKernel k;
    FakeDialer d;
    d.ok((1 << 30) - 512);
    CHECK_THROWS_WITH(attach(k, d, opts()), doctest::Contains("give the target a larger disk"));
    CHECK(k.connects.empty());
  }
  SUBCASE("second connection refused") {
    FakeKernel k;
    FakeDialer d;
    d.ok();
    d.refused();
    CHECK_THROWS_WITH(attach(k, d, opts(2)), "connection refused");
    CHECK(k.connects.empty());
  }
  SUBCASE("export changed between connections") {
    FakeKernel k;
    FakeDialer d;
    d.ok();
    d.ok(2ULL << 30);
    CHECK_THROWS_WITH(attach(k, d, opts(2)), doctest::Contains("different export size"));
    CHECK(k.connects.empty());
  }
  SUBCASE("kernel refuses") {
    FakeKernel k;
    k.connect_errno = EBUSY;
    FakeDialer d;
    d.ok();
    CHECK_THROWS_AS(attach(k, d, opts()), ClientError);
    CHECK(k.connected.empty());
  }
}

TEST_CASE("detach: only an attached device is disconnected") {
  FakeKernel k;
  k.connected[2] = true;
  CHECK(detach(k, 2));
  CHECK(k.disconnects == std::vector<unsigned>{2});
  CHECK_FALSE(detach(k, 2));
  CHECK(k.disconnects.size() == 1);
}

TEST_CASE("report: backend and size only for connected devices") {
  FakeKernel k;
  k.connected[1] = true;
  const auto all = report(k, std::nullopt);
  CHECK(all.size() == 4);
  CHECK(all[1].backend);
  CHECK_FALSE(all[0].backend);
  const auto one = report(k, 1u);
  REQUIRE(one.size() == 1);
  CHECK(one[0].connected);
  CHECK(*one[0].size_bytes == (1 << 30));
}

TEST_CASE("watch: a dead link is replaced with backoff, on the same device") {
  FakeKernel k;
  k.connected[1] = true;
  FakeDialer d;
  d.refused();
  d.refused();
  d.refused();
  d.ok();
  FakeEvents ev;
  ev.script = {std::nullopt, 0u /* another device */, 1u};
  ev.when_empty = [&] { k.connected[1] = false; };  // then someone detaches it
  FakeClock clock;
  std::vector<std::string> log;
  const auto end = watch(k, d, ev, clock, 1, parse_target("10.0.0.2", "m1"), 1 << 30, WatchPolicy{}, [&](auto& l) {
    log.push_back(l);
  });
  CHECK(end == WatchEnd::kDetached);
  CHECK(d.dials == 4);
  CHECK(clock.sleeps == std::vector<long>{200, 400, 800});
  REQUIRE(k.reconfigures.size() == 1);
  CHECK(k.reconfigures[0] == std::pair<unsigned, std::size_t>{1, 1});
  CHECK(log.back() == "/dev/nbd1: detached; watcher ends");
}

TEST_CASE("watch: gives up after the configured time, never reconnects to a different disk") {
  FakeKernel k;
  k.connected[0] = true;
  FakeDialer d;
  for (int i = 0; i < 20; ++i) d.ok(2ULL << 30);  // the target now serves another size
  FakeEvents ev;
  ev.script = {0u};
  FakeClock clock;
  WatchPolicy p;
  p.give_up_s = 10;
  std::vector<std::string> log;
  const auto end =
      watch(k, d, ev, clock, 0, parse_target("10.0.0.2", "m1"), 1 << 30, p, [&](auto& l) { log.push_back(l); });
  CHECK(end == WatchEnd::kGaveUp);
  CHECK(k.reconfigures.empty());
  CHECK(clock.t >= std::chrono::seconds(10));
  CHECK(clock.t < std::chrono::seconds(16));
  CHECK(log.back().find("giving up") != std::string::npos);
  CHECK(log.back().find("not reconnecting to a different disk") != std::string::npos);
}

TEST_CASE("watch: stops when the device is detached during reconnect attempts") {
  FakeKernel k;
  k.connected[0] = true;
  FakeDialer d;
  d.outcomes.push_back([&]() -> ExportInfo {
    k.connected[0] = false;
    fail(ErrorKind::kNetwork, "refused");
  });
  FakeEvents ev;
  ev.script = {0u};
  FakeClock clock;
  CHECK(watch(k, d, ev, clock, 0, parse_target("10.0.0.2", "m1"), 1 << 30, WatchPolicy{}, [](auto&) {}) ==
        WatchEnd::kDetached);
}

TEST_CASE("regrow: new size and a hold first, the old connection dropped, a fresh one of the grown export, hold restored") {
  FakeKernel k;
  k.connected[1] = true;
  FakeDialer d;
  d.refused();           // the server is still restarting
  d.ok(2ULL << 30);
  FakeEvents ev;
  bool dropped = false;
  ev.script = {std::nullopt, 0u /* another device */, 1u};
  FakeClock clock;
  RegrowOptions o;
  o.size_bytes = 2ULL << 30;
  o.restore_dead_conn_timeout_s = 0;
  regrow(k, d, ev, clock, 1, parse_target("10.0.0.2", "m1"), o, [&] {
    CHECK(k.calls.size() == 1);  // the hold is in place before the connection drops
    dropped = true;
  });
  CHECK(dropped);
  CHECK(k.calls == std::vector<std::string>{"resize 1 2147483648 hold 30", "reconfigure 1", "resize 1 2147483648 hold 0"});
  CHECK(d.dials == 2);

  // A watcher started before the resize now accepts the grown export.
  FakeDialer again;
  again.ok(2ULL << 30);
  FakeEvents ev2;
  ev2.script = {1u};
  ev2.when_empty = [&] { k.connected[1] = false; };
  CHECK(watch(k, again, ev2, clock, 1, parse_target("10.0.0.2", "m1"), 1 << 30, WatchPolicy{}, [](auto&) {}) ==
        WatchEnd::kDetached);
  CHECK(k.reconfigures.size() == 2);
}

TEST_CASE("errors-regrow: an export still too small, a link that never drops, a detached device: hold restored") {
  const auto target = parse_target("10.0.0.2", "m1");
  RegrowOptions o;
  o.size_bytes = 2ULL << 30;
  o.restore_dead_conn_timeout_s = 5;
  {
    FakeKernel k;
    k.connected[0] = true;
    FakeDialer d;
    for (int i = 0; i < 200; ++i) d.ok(1ULL << 30);  // the target's disk did not grow
    FakeEvents ev;
    ev.script = {0u};
    FakeClock clock;
    CHECK_THROWS_AS(regrow(k, d, ev, clock, 0, target, o, [] {}), ClientError);
    CHECK(k.reconfigures.empty());
    CHECK(k.calls.back() == "resize 0 2147483648 hold 5");
  }
  {
    FakeKernel k;
    k.connected[0] = true;
    FakeDialer d;
    FakeEvents ev;
    ev.when_empty = [] {};
    FakeClock clock;
    // The fake's wait returns at once: let time pass so the wait ends.
    ev.when_empty = [&] { clock.t += std::chrono::milliseconds(500); };
    CHECK_THROWS_WITH(regrow(k, d, ev, clock, 0, target, o, [] {}), doctest::Contains("did not drop"));
    CHECK(d.dials == 0);
    CHECK(k.calls.back() == "resize 0 2147483648 hold 5");
  }
  {
    FakeKernel k;
    FakeDialer d;
    FakeEvents ev;
    FakeClock clock;
    CHECK_THROWS_WITH(regrow(k, d, ev, clock, 3, target, o, [] {}), doctest::Contains("not attached"));
    CHECK(k.calls.empty());
  }
}

TEST_CASE("watch: fence-peer - a link that stays down is outdated before the device lets md go on") {
  FakeKernel k;
  k.connected[1] = true;
  FakeDialer d;
  for (int i = 0; i < 3; ++i) d.refused();
  FakeEvents ev;
  ev.script = {1u};
  FakeClock clock;
  WatchPolicy p;
  int asked = 0;
  // The cluster cannot be reached twice (the I/O stays held), then it records the outdate.
  p.outdate_peer = [&] {
    CHECK(k.disconnects.empty());
    return ++asked == 3;
  };
  std::vector<std::string> log;
  const auto end =
      watch(k, d, ev, clock, 1, parse_target("10.0.0.2", "m1"), 1 << 30, p, [&](auto& l) { log.push_back(l); });
  CHECK(end == WatchEnd::kOutdated);
  CHECK(asked == 3);
  CHECK(d.dials == 3);
  CHECK(k.disconnects == std::vector<unsigned>{1});
  CHECK(k.reconfigures.empty());
  REQUIRE(log.size() >= 2);
  CHECK(log.back() == "/dev/nbd1: 10.0.0.2:10809 recorded outdated; disconnecting so md goes on without it");
  CHECK(log[log.size() - 2].find("I/O stays frozen") == std::string::npos);
  bool frozen_said = false;
  for (const auto& l : log) frozen_said = frozen_said || l.find("could not be recorded outdated: its I/O stays frozen") != std::string::npos;
  CHECK(frozen_said);
}

TEST_CASE("watch: fence-peer - a blip that reconnects at once outdates nothing") {
  FakeKernel k;
  k.connected[0] = true;
  FakeDialer d;
  d.ok();
  FakeEvents ev;
  ev.script = {0u};
  ev.when_empty = [&] { k.connected[0] = false; };
  FakeClock clock;
  WatchPolicy p;
  bool asked = false;
  p.outdate_peer = [&] { return asked = true; };
  CHECK(watch(k, d, ev, clock, 0, parse_target("10.0.0.2", "m1"), 1 << 30, p, [](auto&) {}) == WatchEnd::kDetached);
  CHECK(!asked);
  CHECK(k.reconfigures.size() == 1);
  CHECK(k.disconnects.empty());
}
