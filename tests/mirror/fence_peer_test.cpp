// SPDX-License-Identifier: GPL-2.0-or-later
// Fence-peer wiring (docs/pacemaker.md): netraid.json's "fence_peer" handler
// reaches the link watcher of a mirror with a grace period, with the mirror
// and the target it is about; nothing changes without one.
#include <doctest/doctest.h>

#include "fake_system.hpp"
#include "netraid/mirror/leg_attach.hpp"
#include "netraid/mirror/settings.hpp"

using namespace netraid;

TEST_CASE("fence-peer: netraid.json's fence_peer must be an absolute path") {
  CHECK(mirror::settings::parse("", "n1", "", "").fence_peer.empty());
  CHECK(mirror::settings::parse(R"({"fence_peer": "/usr/libexec/netraid/netraid-fence-peer"})", "n1", "", "")
            .fence_peer == "/usr/libexec/netraid/netraid-fence-peer");
  CHECK_THROWS_WITH_AS(mirror::settings::parse(R"({"fence_peer": "netraid-fence-peer"})", "n1", "", ""),
                       doctest::Contains("fence_peer 'netraid-fence-peer' is not an absolute path"),
                       std::invalid_argument);
}

TEST_CASE("fence-peer: the link watcher of a target gets the handler, the mirror and the target") {
  fake::FakeNode n1{"n1"};
  auto m = fake::two_node_mirror();
  m.grace_seconds = 300;
  n1.ctx.settings.fence_peer = "/usr/libexec/netraid/netraid-fence-peer";
  mirror::start_link_watch(n1.ctx, m, "n2", "/dev/nbd0");
  CHECK(n1.system->saw("detached nbd-watch /dev/nbd0 --fence-peer /usr/libexec/netraid/netraid-fence-peer --mirror " +
                       m.tag + " --peer n2"));

  fake::FakeNode plain{"n1"};
  mirror::start_link_watch(plain.ctx, m, "n2", "/dev/nbd0");
  REQUIRE(!plain.system->events.empty());
  CHECK(plain.system->events.back() == "detached nbd-watch /dev/nbd0");
}
