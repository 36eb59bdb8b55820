// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/socket.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include "netraid/nbd/error.hpp"
#include "netraid/nbd/tls.hpp"

namespace netraid::nbd {

namespace {

class FdStream : public ByteStream {
 public:
  FdStream(int fd, std::string where, const PskEntry* psk) : fd_(fd), where_(std::move(where)), psk_(psk) {}
  void start_tls() override {
    if (!psk_) fail(ErrorKind::kProtocol, where_ + ": TLS started without a key: this is a bug; report it");
    start_kernel_tls(fd_, *psk_, where_);
  }
  void write_all(std::span<const std::uint8_t> bytes) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        fail(ErrorKind::kNetwork, where_ + ": send during handshake: " + std::strerror(errno) +
                                      ": check that the target's NBD server is running");
      done += static_cast<std::size_t>(n);
    }
  }
  void read_exact(std::span<std::uint8_t> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      const auto n = ::recv(fd_, out.data() + done, out.size() - done, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        fail(ErrorKind::kNetwork, where_ + ": no answer during the NBD handshake: check that the port serves NBD");
      if (n < 0)
        fail(ErrorKind::kNetwork, where_ + ": recv during handshake: " + std::strerror(errno) +
                                      ": check that the target's NBD server is running");
      if (n == 0)
        fail(ErrorKind::kProtocol, where_ + ": server closed the connection after " + std::to_string(done) + " of " +
                                       std::to_string(out.size()) + " bytes of the handshake: check the server's log");
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::string where_;
  const PskEntry* psk_;
};

void set_timeouts(int fd, std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Non-blocking connect bounded by `deadline`; returns 0 or an errno.
int connect_with_deadline(int fd, const sockaddr* sa, socklen_t len, std::chrono::milliseconds deadline) {
  const int fl = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  int err = 0;
  if (::connect(fd, sa, len) < 0) {
    if (errno != EINPROGRESS) {
      err = errno;
    } else {
      pollfd p{fd, POLLOUT, 0};
      int r;
      do r = ::poll(&p, 1, static_cast<int>(deadline.count()));
      while (r < 0 && errno == EINTR);
      if (r == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t sl = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl);
      }
    }
  }
  ::fcntl(fd, F_SETFL, fl);
  return err;
}

}  // namespace

Connection TcpDialer::dial(const Target& target) {
  const auto where = target.where();
  // The key first: a system without it never contacts the target.
  std::optional<PskEntry> psk;
  if (!target.tls_psk_file.empty()) psk = read_client_psk(target.tls_psk_file);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const auto port = std::to_string(target.port);
  if (int rc = ::getaddrinfo(target.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    fail(ErrorKind::kNetwork, "cannot resolve host '" + target.host + "': " + ::gai_strerror(rc) +
                                  ": check the name or give an IP address");
  int last_err = 0;
  UniqueFd fd;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    UniqueFd s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (s.get() < 0) {
      last_err = errno;
      continue;
    }
    last_err = connect_with_deadline(s.get(), ai->ai_addr, ai->ai_addrlen, deadline_);
    if (last_err == 0) {
      fd = std::move(s);
      break;
    }
  }
  ::freeaddrinfo(res);
  if (fd.get() < 0) {
    if (last_err == ECONNREFUSED)
      fail(ErrorKind::kNetwork, "connection to " + where + " refused: start the NBD server on the target or fix the port");
    if (last_err == ETIMEDOUT)
      fail(ErrorKind::kNetwork, where + " unreachable: no answer within " + std::to_string(deadline_.count() / 1000) +
                                    " s; check the address, the network and the target's firewall");
    fail(ErrorKind::kNetwork, where + " unreachable: " + std::strerror(last_err) +
                                  "; check the address and the network");
  }
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  set_timeouts(fd.get(), deadline_);
  FdStream stream(fd.get(), where, psk ? &*psk : nullptr);
  Connection c;
  c.info = negotiate(stream, target.tag, psk.has_value());
  // The kernel's receive path honours SO_RCVTIMEO: hand it a socket without one.
  set_timeouts(fd.get(), std::chrono::milliseconds(0));
  c.fd = std::move(fd);
  return c;
}

}  // namespace netraid::nbd
