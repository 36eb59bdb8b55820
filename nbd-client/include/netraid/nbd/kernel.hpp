// SPDX-License-Identifier: GPL-2.0-or-later
// What the client needs from the kernel's NBD driver, behind an interface so
// the decisions around it are unit-tested with a fake; the real one speaks
// generic netlink through libnl-genl (netlink.cpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace netraid::nbd {

struct ConnectRequest {
  std::optional<unsigned> index;  // none: the kernel picks a free device
  std::uint64_t size_bytes = 0;
  std::uint64_t block_size = 512;
  std::uint64_t server_flags = 0;
  std::uint64_t timeout_s = 0;
  std::uint64_t dead_conn_timeout_s = 0;
  std::string backend;            // NBD_ATTR_BACKEND_IDENTIFIER
  std::vector<int> fds;           // connected, negotiated sockets
};

struct DeviceState {
  unsigned index = 0;
  bool connected = false;
};

class NbdKernel {
 public:
  virtual ~NbdKernel() = default;
  // NBD_CMD_CONNECT; returns the index the kernel used. Throws ClientError(kKernel).
  virtual unsigned connect(const ConnectRequest& request) = 0;
  // NBD_CMD_RECONFIGURE: replace dead sockets of `index` with `fds`.
  virtual void reconfigure(unsigned index, const std::string& backend, const std::vector<int>& fds) = 0;
  // NBD_CMD_RECONFIGURE without sockets: the device's size in bytes and,
  // when given, its dead-connection timeout (seconds I/O waits for a
  // reconnect before it fails).
  virtual void resize(unsigned index, const std::string& backend, std::uint64_t size_bytes,
                      std::optional<std::uint64_t> dead_conn_timeout_s) = 0;
  // NBD_CMD_DISCONNECT.
  virtual void disconnect(unsigned index) = 0;
  // NBD_CMD_STATUS, for one index or all devices.
  virtual std::vector<DeviceState> status(std::optional<unsigned> index) = 0;
  // /sys/block/nbdN/backend and size (bytes); none when the device is not set up.
  virtual std::optional<std::string> backend(unsigned index) = 0;
  virtual std::optional<std::uint64_t> size_bytes(unsigned index) = 0;
};

// NBD_CMD_LINK_DEAD notifications from the nbd multicast group.
class LinkEvents {
 public:
  virtual ~LinkEvents() = default;
  // Index of a device whose connection died, or none after `timeout`.
  virtual std::optional<unsigned> wait_link_dead(std::chrono::milliseconds timeout) = 0;
};

// Throws ClientError(kKernel) with the fix when the nbd module or its netlink
// family is missing.
std::unique_ptr<NbdKernel> open_kernel();
std::unique_ptr<LinkEvents> subscribe_link_events();

}  // namespace netraid::nbd
