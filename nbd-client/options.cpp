// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/options.hpp"

#include <cctype>

#include "netraid/nbd/error.hpp"

namespace netraid::nbd {

std::string Target::where() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Target parse_target(const std::string& host_port, const std::string& tag) {
  Target t;
  std::string port_text;
  if (host_port.empty()) fail(ErrorKind::kUsage, "empty target address: give HOST[:PORT]");
  if (host_port[0] == '[') {
    const auto close = host_port.find(']');
    if (close == std::string::npos || close == 1)
      fail(ErrorKind::kUsage, "bad target address '" + host_port + "': write IPv6 as [ADDR] or [ADDR]:PORT");
    t.host = host_port.substr(1, close - 1);
    if (close + 1 < host_port.size()) {
      if (host_port[close + 1] != ':')
        fail(ErrorKind::kUsage, "bad target address '" + host_port + "': write IPv6 as [ADDR]:PORT");
      port_text = host_port.substr(close + 2);
      if (port_text.empty()) fail(ErrorKind::kUsage, "empty port in '" + host_port + "': give HOST:PORT or HOST");
    }
  } else {
    const auto colon = host_port.find(':');
    if (colon != host_port.rfind(':'))
      fail(ErrorKind::kUsage, "bad target address '" + host_port + "': write IPv6 addresses in brackets, [ADDR]:PORT");
    t.host = host_port.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = host_port.substr(colon + 1);
      if (port_text.empty()) fail(ErrorKind::kUsage, "empty port in '" + host_port + "': give HOST:PORT or HOST");
    }
  }
  if (t.host.empty()) fail(ErrorKind::kUsage, "empty host in '" + host_port + "': give HOST[:PORT]");
  for (char c : t.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_' || c == '%'))
      fail(ErrorKind::kUsage, "bad character in host '" + t.host + "': give a host name or an IP address");
  if (!port_text.empty()) t.port = static_cast<std::uint16_t>(parse_uint("port", port_text, 1, 65535));
  if (tag.empty()) fail(ErrorKind::kUsage, "empty tag: give the mirror's tag (the target's export name)");
  if (tag.size() > 4096) fail(ErrorKind::kUsage, "tag longer than 4096 bytes: the NBD protocol does not allow it");
  for (char c : tag)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f || c == '/')
      fail(ErrorKind::kUsage, "bad character in tag '" + tag + "': a tag is printable, without spaces or '/'");
  t.tag = tag;
  return t;
}

unsigned parse_device(const std::string& text) {
  std::string rest = text;
  if (rest.rfind("/dev/", 0) == 0) rest = rest.substr(5);
  if (rest.rfind("nbd", 0) != 0 || rest.size() == 3 || rest.size() > 10)
    fail(ErrorKind::kUsage, "bad device '" + text + "': give /dev/nbdN, e.g. /dev/nbd0");
  for (std::size_t i = 3; i < rest.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(rest[i])))
      fail(ErrorKind::kUsage, "bad device '" + text + "': give /dev/nbdN, e.g. /dev/nbd0");
  if (rest.size() > 4 && rest[3] == '0')
    fail(ErrorKind::kUsage, "bad device '" + text + "': no leading zeros in /dev/nbdN");
  const auto n = std::stoull(rest.substr(3));
  if (n >= kMaxIndex) fail(ErrorKind::kUsage, "device index in '" + text + "' is too large: use /dev/nbd0 to /dev/nbd1048575");
  return static_cast<unsigned>(n);
}

std::string device_path(unsigned index) { return "/dev/nbd" + std::to_string(index); }

std::uint64_t parse_uint(const std::string& option, const std::string& text, std::uint64_t min,
                         std::uint64_t max, bool allow_suffix) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  const std::string hint = allow_suffix ? " (a whole number, optional K/M/G/T suffix)" : " (a whole number)";
  auto bad = [&](const std::string& why) -> std::uint64_t {
    fail(ErrorKind::kUsage, "invalid " + option + " '" + text + "': " + why + ": give " + range + hint);
  };
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return bad("not a number");
  unsigned shift = 0;
  if (digits < text.size()) {
    if (!allow_suffix || digits + 1 != text.size()) return bad("not a whole number");
    switch (std::toupper(static_cast<unsigned char>(text[digits]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: return bad("unknown suffix");
    }
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const std::uint64_t d = static_cast<std::uint64_t>(text[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return bad("too large");
    v = v * 10 + d;
  }
  if (shift && v > (UINT64_MAX >> shift)) return bad("too large");
  v <<= shift;
  if (v < min || v > max) return bad("out of range");
  return v;
}

std::string backend_identifier(const Target& t) {
  return (t.tls_psk_file.empty() ? "nbd://" : "nbds://") + t.where() + "/" + t.tag;
}

std::optional<Target> parse_backend_identifier(const std::string& id, bool* tls) {
  const bool secure = id.rfind("nbds://", 0) == 0;
  if (!secure && id.rfind("nbd://", 0) != 0) return std::nullopt;
  if (tls) *tls = secure;
  const auto rest = id.substr(secure ? 7 : 6);
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const auto addr = rest.substr(0, slash);
  // Require an explicit port: we always write one.
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos || (addr[0] == '[' && addr[colon - 1] != ']')) return std::nullopt;
  try {
    return parse_target(addr, rest.substr(slash + 1));
  } catch (const ClientError&) {
    return std::nullopt;
  }
}

std::chrono::milliseconds Backoff::delay(unsigned attempt) const {
  auto d = initial;
  for (unsigned i = 0; i < attempt && d < maximum; ++i) d *= 2;
  return d < maximum ? d : maximum;
}

bool should_give_up(std::chrono::milliseconds elapsed, std::uint64_t give_up_s) {
  return give_up_s != 0 && elapsed >= std::chrono::seconds(give_up_s);
}

}  // namespace netraid::nbd
