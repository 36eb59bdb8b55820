// SPDX-License-Identifier: GPL-2.0-or-later
// Effects side of the plugin's safety checks: the shared device facts (common/),
// then open, flock, ioctl. It only gathers facts; plugin_config.cpp decides.
#pragma once
#include <cstdint>
#include <string>
#include <sys/types.h>

#include "plugin_config.hpp"

namespace netraid::server {

struct Probe {
  DeviceFacts facts;
  int fd = -1;             // open (O_EXCL for block devices) when facts.open_errno == 0
  unsigned logical_block = 512;
};

// Looks at cfg.dev in the order refusal() reports and opens it if nothing
// stands in the way. The caller owns fd.
Probe probe_and_open(const PluginConfig& cfg);

}  // namespace netraid::server
