// SPDX-License-Identifier: GPL-2.0-or-later
// The targets of a mirror added without a full initial sync
// (LKDR_NO_FULL_SYNC): TAG_seeded in the flag directory on the source, one
// host a line, kept until each one's next full resync; `netraid status`
// warns about each.
#pragma once
#include <set>
#include <string>

#include "netraid/mirror/context.hpp"

namespace netraid::mirror::seeded {

std::set<std::string> load(const Context& ctx, const std::string& tag);
void mark(const Context& ctx, const std::string& tag, const std::string& host);
void clear(const Context& ctx, const std::string& tag, const std::string& host);  // a full resync began

}  // namespace netraid::mirror::seeded
