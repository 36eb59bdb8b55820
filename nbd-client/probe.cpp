// SPDX-License-Identifier: GPL-2.0-or-later
// User-space probe of a target with libnbd: is it up, does it serve the tag,
// how large is it, can it flush and FUA.
#include <libnbd.h>

#include <cerrno>
#include <memory>

#include "netraid/nbd/client.hpp"
#include "netraid/nbd/error.hpp"
#include "netraid/nbd/tls.hpp"

namespace netraid::nbd {

ProbeResult probe(const Target& t) {
  std::unique_ptr<nbd_handle, decltype(&nbd_close)> h(nbd_create(), &nbd_close);
  if (!h) fail(ErrorKind::kNetwork, std::string("libnbd: ") + nbd_get_error());
  nbd_set_export_name(h.get(), t.tag.c_str());
  if (!t.tls_psk_file.empty()) {
    const auto psk = read_client_psk(t.tls_psk_file);  // the same checks as attach's
    if (nbd_set_tls(h.get(), LIBNBD_TLS_REQUIRE) == -1 || nbd_set_tls_psk_file(h.get(), t.tls_psk_file.c_str()) == -1 ||
        nbd_set_tls_username(h.get(), psk.identity.c_str()) == -1)
      fail(ErrorKind::kUsage, std::string("libnbd: ") + nbd_get_error() + ": this libnbd cannot do TLS with a key file");
  }
  const auto port = std::to_string(t.port);
  if (nbd_connect_tcp(h.get(), t.host.c_str(), port.c_str()) == -1) {
    const int e = nbd_get_errno();
    const std::string msg = nbd_get_error() ? nbd_get_error() : "unknown error";
    if (e == ECONNREFUSED)
      fail(ErrorKind::kNetwork, "connection to " + t.where() + " refused: start the NBD server on the target or fix the port");
    if (e == ENOENT || msg.find("unknown export") != std::string::npos || msg.find("No such") != std::string::npos)
      fail(ErrorKind::kTarget, "export '" + t.tag + "' not found on " + t.where() +
                                   ": check the mirror's tag and that the target serves it (" + msg + ")");
    fail(ErrorKind::kNetwork, t.where() + " not usable: " + msg + ": check the address, the port and the target");
  }
  ProbeResult r;
  const auto size = nbd_get_size(h.get());
  r.size = size < 0 ? 0 : static_cast<std::uint64_t>(size);
  r.can_flush = nbd_can_flush(h.get()) == 1;
  r.can_fua = nbd_can_fua(h.get()) == 1;
  r.read_only = nbd_is_read_only(h.get()) == 1;
  r.can_multi_conn = nbd_can_multi_conn(h.get()) == 1;
  nbd_shutdown(h.get(), 0);
  return r;
}

}  // namespace netraid::nbd
