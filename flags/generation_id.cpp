// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/flags/generation_id.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "netraid/flags/flag_error.hpp"

namespace netraid::flags {

std::uint64_t new_generation_id() {
  for (;;) {
    std::uint64_t id = 0;
    const auto n = ::getrandom(&id, sizeof id, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof id))
      throw FlagError(std::string("generation id: getrandom failed: ") + std::strerror(errno));
    if (id != 0) return id;
  }
}

}  // namespace netraid::flags
