// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel side through generic netlink (libnl-genl-3), family "nbd".
#include <linux/nbd-netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>

#include "netraid/nbd/error.hpp"
#include "netraid/nbd/kernel.hpp"
#include "netraid/nbd/options.hpp"

namespace netraid::nbd {

namespace {

const char* kNoModule =
    "nbd kernel module not loaded (no /sys/module/nbd): load it with 'modprobe nbd' and retry";

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
struct CbDeleter {
  void operator()(nl_cb* c) const { nl_cb_put(c); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

void require_module() {
  struct stat st{};
  if (::stat("/sys/module/nbd", &st) != 0) fail(ErrorKind::kKernel, kNoModule);
}

SockPtr open_genl(int& family) {
  SockPtr sk(nl_socket_alloc());
  if (!sk) fail(ErrorKind::kKernel, "cannot allocate a netlink socket: out of memory");
  if (int rc = genl_connect(sk.get()); rc < 0)
    fail(ErrorKind::kKernel, std::string("cannot open generic netlink: ") + nl_geterror(rc) + ": run as root on Linux");
  family = genl_ctrl_resolve(sk.get(), NBD_GENL_FAMILY_NAME);
  if (family < 0)
    fail(ErrorKind::kKernel,
         "generic netlink family 'nbd' not found: the nbd module is too old or not loaded; load a current nbd module");
  return sk;
}

std::optional<std::string> read_sysfs(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::string s;
  std::getline(f, s);
  return s;
}

void too_large() { fail(ErrorKind::kKernel, "netlink message too large: use fewer --connections"); }
void put_u32(nl_msg* m, int attr, std::uint32_t v) {
  if (nla_put_u32(m, attr, v) < 0) too_large();
}
void put_u64(nl_msg* m, int attr, std::uint64_t v) {
  if (nla_put_u64(m, attr, v) < 0) too_large();
}
void put_str(nl_msg* m, int attr, const char* v) {
  if (nla_put_string(m, attr, v) < 0) too_large();
}

struct Transaction {
  int error = 0;  // errno from the kernel's nlmsgerr
  bool done = false;
  std::function<void(nlattr** attrs)> on_reply;
};

int on_valid(nl_msg* msg, void* arg) {
  auto* t = static_cast<Transaction*>(arg);
  nlattr* attrs[NBD_ATTR_MAX + 1] = {};
  if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, NBD_ATTR_MAX, nullptr) == 0 && t->on_reply) t->on_reply(attrs);
  return NL_OK;
}
int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
  auto* t = static_cast<Transaction*>(arg);
  t->error = -err->error;
  t->done = true;
  return NL_STOP;
}
int on_ack(nl_msg*, void* arg) {
  static_cast<Transaction*>(arg)->done = true;
  return NL_STOP;
}

class NetlinkKernel : public NbdKernel {
 public:
  NetlinkKernel() {
    require_module();
    sk_ = open_genl(family_);
  }

  unsigned connect(const ConnectRequest& r) override {
    auto msg = start(NBD_CMD_CONNECT);
    if (r.index) put_u32(msg.get(), NBD_ATTR_INDEX, *r.index);
    put_u64(msg.get(), NBD_ATTR_SIZE_BYTES, r.size_bytes);
    put_u64(msg.get(), NBD_ATTR_BLOCK_SIZE_BYTES, r.block_size);
    put_u64(msg.get(), NBD_ATTR_SERVER_FLAGS, r.server_flags);
    put_u64(msg.get(), NBD_ATTR_TIMEOUT, r.timeout_s);
    put_u64(msg.get(), NBD_ATTR_DEAD_CONN_TIMEOUT, r.dead_conn_timeout_s);
    put_str(msg.get(), NBD_ATTR_BACKEND_IDENTIFIER, r.backend.c_str());
    put_sockets(msg.get(), r.fds);
    std::optional<unsigned> index;
    const int err = transact(std::move(msg), [&](nlattr** a) {
      if (a[NBD_ATTR_INDEX]) index = nla_get_u32(a[NBD_ATTR_INDEX]);
    });
    const std::string dev = r.index ? device_path(*r.index) : std::string("a free nbd device");
    if (err == EBUSY)
      fail(ErrorKind::kKernel, dev + " is busy (already attached or being torn down): detach it or choose another --device");
    if (err == EINVAL && r.index)
      fail(ErrorKind::kKernel, "kernel refused to attach " + dev + " (EINVAL; see dmesg): check the device index and sizes");
    if (err)
      fail(ErrorKind::kKernel, "kernel refused to attach " + dev + ": " + std::strerror(err) + "; see dmesg");
    if (!index) fail(ErrorKind::kKernel, "kernel attached a device but did not say which: see dmesg");
    return *index;
  }

  void reconfigure(unsigned index, const std::string& backend, const std::vector<int>& fds) override {
    auto msg = start(NBD_CMD_RECONFIGURE);
    put_u32(msg.get(), NBD_ATTR_INDEX, index);
    put_str(msg.get(), NBD_ATTR_BACKEND_IDENTIFIER, backend.c_str());
    put_sockets(msg.get(), fds);
    if (const int err = transact(std::move(msg), {}); err)
      fail(ErrorKind::kKernel, "kernel refused the new connection for " + device_path(index) + ": " +
                                   std::strerror(err) + "; see dmesg");
  }

  void resize(unsigned index, const std::string& backend, std::uint64_t size_bytes,
              std::optional<std::uint64_t> dead_conn_timeout_s) override {
    auto msg = start(NBD_CMD_RECONFIGURE);
    put_u32(msg.get(), NBD_ATTR_INDEX, index);
    put_str(msg.get(), NBD_ATTR_BACKEND_IDENTIFIER, backend.c_str());
    put_u64(msg.get(), NBD_ATTR_SIZE_BYTES, size_bytes);
    if (dead_conn_timeout_s) put_u64(msg.get(), NBD_ATTR_DEAD_CONN_TIMEOUT, *dead_conn_timeout_s);
    if (const int err = transact(std::move(msg), {}); err)
      fail(ErrorKind::kKernel, "kernel refused the new size " + std::to_string(size_bytes) + " of " +
                                   device_path(index) + ": " + std::strerror(err) + "; see dmesg");
  }

  void disconnect(unsigned index) override {
    auto msg = start(NBD_CMD_DISCONNECT);
    put_u32(msg.get(), NBD_ATTR_INDEX, index);
    if (const int err = transact(std::move(msg), {}); err)
      fail(ErrorKind::kKernel, "kernel refused to detach " + device_path(index) + ": " + std::strerror(err) +
                                   "; see dmesg");
  }

  std::vector<DeviceState> status(std::optional<unsigned> index) override {
    auto msg = start(NBD_CMD_STATUS);
    if (index) put_u32(msg.get(), NBD_ATTR_INDEX, *index);
    {
      std::vector<DeviceState> out;
      const int err = transact(std::move(msg), [&](nlattr** a) {
        if (!a[NBD_ATTR_DEVICE_LIST]) return;
        nlattr* item;
        int rem;
        nla_for_each_nested(item, a[NBD_ATTR_DEVICE_LIST], rem) {
          nlattr* d[NBD_DEVICE_ATTR_MAX + 1] = {};
          if (nla_parse_nested(d, NBD_DEVICE_ATTR_MAX, item, nullptr) != 0 || !d[NBD_DEVICE_INDEX]) continue;
          out.push_back({nla_get_u32(d[NBD_DEVICE_INDEX]),
                         d[NBD_DEVICE_CONNECTED] && nla_get_u8(d[NBD_DEVICE_CONNECTED]) != 0});
        }
      });
      // A device index that was never created is simply not connected.
      if (err == ENOENT || (err == EINVAL && index)) return index ? std::vector<DeviceState>{{*index, false}} : out;
      if (err) fail(ErrorKind::kKernel, std::string("nbd status query failed: ") + std::strerror(err) + "; see dmesg");
      return out;
    }
  }

  std::optional<std::string> backend(unsigned index) override {
    return read_sysfs("/sys/block/nbd" + std::to_string(index) + "/backend");
  }
  std::optional<std::uint64_t> size_bytes(unsigned index) override {
    const auto s = read_sysfs("/sys/block/nbd" + std::to_string(index) + "/size");
    if (!s || s->empty()) return std::nullopt;
    try {
      return std::stoull(*s) * 512;
    } catch (...) {
      return std::nullopt;
    }
  }

 private:
  MsgPtr start(std::uint8_t cmd) {
    MsgPtr msg(nlmsg_alloc());
    if (!msg || !genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, 0, cmd, NBD_GENL_VERSION))
      fail(ErrorKind::kKernel, "cannot build a netlink message: out of memory");
    return msg;
  }
  static void put_sockets(nl_msg* msg, const std::vector<int>& fds) {
    if (fds.empty()) return;
    nlattr* socks = nla_nest_start(msg, NBD_ATTR_SOCKETS);
    if (!socks) fail(ErrorKind::kKernel, "netlink message too large: use fewer --connections");
    for (int fd : fds) {
      nlattr* item = nla_nest_start(msg, NBD_SOCK_ITEM);
      if (!item || nla_put_u32(msg, NBD_SOCK_FD, static_cast<std::uint32_t>(fd)) < 0)
        fail(ErrorKind::kKernel, "netlink message too large: use fewer --connections");
      nla_nest_end(msg, item);
    }
    nla_nest_end(msg, socks);
  }
  // Sends and collects replies until the kernel's ack or error; returns errno (0 = ok).
  int transact(MsgPtr msg, std::function<void(nlattr**)> on_reply) {
    Transaction t;
    t.on_reply = std::move(on_reply);
    std::unique_ptr<nl_cb, CbDeleter> cb(nl_cb_alloc(NL_CB_DEFAULT));
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &t);
    if (int rc = nl_send_auto(sk_.get(), msg.get()); rc < 0)
      fail(ErrorKind::kKernel, std::string("cannot send to the nbd driver: ") + nl_geterror(rc));
    while (!t.done) {
      const int rc = nl_recvmsgs(sk_.get(), cb.get());
      if (t.done) break;
      if (rc < 0) fail(ErrorKind::kKernel, std::string("no answer from the nbd driver: ") + nl_geterror(rc));
    }
    return t.error;
  }

  SockPtr sk_;
  int family_ = -1;
};

class NetlinkEvents : public LinkEvents {
 public:
  NetlinkEvents() {
    require_module();
    sk_ = open_genl(family_);
    const int group = genl_ctrl_resolve_grp(sk_.get(), NBD_GENL_FAMILY_NAME, NBD_GENL_MCAST_GROUP_NAME);
    if (group < 0)
      fail(ErrorKind::kKernel, "nbd multicast group not found: this kernel's nbd driver cannot report dead links");
    nl_socket_disable_seq_check(sk_.get());
    if (int rc = nl_socket_add_membership(sk_.get(), group); rc < 0)
      fail(ErrorKind::kKernel, std::string("cannot join the nbd multicast group: ") + nl_geterror(rc));
    nl_socket_modify_cb(sk_.get(), NL_CB_VALID, NL_CB_CUSTOM, &NetlinkEvents::on_event, this);
    nl_socket_set_nonblocking(sk_.get());
  }

  std::optional<unsigned> wait_link_dead(std::chrono::milliseconds timeout) override {
    if (!pending_.empty()) return pop();
    pollfd p{nl_socket_get_fd(sk_.get()), POLLIN, 0};
    int r;
    do r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    while (r < 0 && errno == EINTR);
    if (r <= 0) return std::nullopt;
    nl_recvmsgs_default(sk_.get());
    if (pending_.empty()) return std::nullopt;
    return pop();
  }

 private:
  static int on_event(nl_msg* msg, void* arg) {
    auto* self = static_cast<NetlinkEvents*>(arg);
    auto* gh = static_cast<genlmsghdr*>(nlmsg_data(nlmsg_hdr(msg)));
    if (gh->cmd != NBD_CMD_LINK_DEAD) return NL_OK;
    nlattr* attrs[NBD_ATTR_MAX + 1] = {};
    if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, NBD_ATTR_MAX, nullptr) == 0 && attrs[NBD_ATTR_INDEX])
      self->pending_.push_back(nla_get_u32(attrs[NBD_ATTR_INDEX]));
    return NL_OK;
  }
  unsigned pop() {
    const auto v = pending_.front();
    pending_.erase(pending_.begin());
    return v;
  }
  SockPtr sk_;
  int family_ = -1;
  std::vector<unsigned> pending_;
};

}  // namespace

std::unique_ptr<NbdKernel> open_kernel() { return std::make_unique<NetlinkKernel>(); }
std::unique_ptr<LinkEvents> subscribe_link_events() { return std::make_unique<NetlinkEvents>(); }

}  // namespace netraid::nbd
