// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/tls.hpp"

#include <gnutls/gnutls.h>
#include <linux/tls.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "netraid/common/unique_fd.hpp"
#include "netraid/nbd/error.hpp"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace netraid::nbd {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char kHex[] = "0123456789abcdef";

// TLS 1.2 only: a TLS 1.3 server sends session tickets after the handshake,
// records the kernel would hand the nbd driver as errors; TLS 1.2 sends
// nothing after its Finished. AES-GCM only: what kernel TLS implements.
// DHE-PSK first: a stolen key does not decrypt a recorded session.
// AES-128-GCM first: the kernel encrypts every write, and where it has no
// AES instructions (UML, old CPUs) 128-bit keys cost 10 rounds instead of 14.
const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-PSK:+ECDHE-PSK:+PSK:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM";

template <typename Info>
void fill(Info& info, std::uint16_t cipher_type, const gnutls_datum_t& iv, const gnutls_datum_t& key,
          const unsigned char* seq) {
  std::memset(&info, 0, sizeof info);
  info.info.version = TLS_1_2_VERSION;
  info.info.cipher_type = cipher_type;
  // TLS 1.2 GCM: the 4-byte implicit salt comes from the key block; GnuTLS
  // uses the sequence number as the explicit nonce, and so does the kernel.
  std::memcpy(info.iv, seq, sizeof info.iv);
  std::memcpy(info.salt, iv.data, sizeof info.salt);
  std::memcpy(info.rec_seq, seq, sizeof info.rec_seq);
  std::memcpy(info.key, key.data, sizeof info.key);
}

void install_direction(int fd, gnutls_session_t s, bool read, const std::string& where) {
  gnutls_datum_t mac{}, iv{}, key{};
  unsigned char seq[8];
  if (gnutls_record_get_state(s, read ? 1 : 0, &mac, &iv, &key, seq) < 0)
    fail(ErrorKind::kKernel, where + ": cannot read the TLS session's keys: kernel TLS cannot take over; no plaintext fallback");
  const int opt = read ? TLS_RX : TLS_TX;
  int rc = -1;
  const auto cipher = gnutls_cipher_get(s);
  if (cipher == GNUTLS_CIPHER_AES_128_GCM && key.size == TLS_CIPHER_AES_GCM_128_KEY_SIZE &&
      iv.size >= TLS_CIPHER_AES_GCM_128_SALT_SIZE) {
    tls12_crypto_info_aes_gcm_128 info;
    fill(info, TLS_CIPHER_AES_GCM_128, iv, key, seq);
    rc = ::setsockopt(fd, SOL_TLS, opt, &info, sizeof info);
  } else if (cipher == GNUTLS_CIPHER_AES_256_GCM && key.size == TLS_CIPHER_AES_GCM_256_KEY_SIZE &&
             iv.size >= TLS_CIPHER_AES_GCM_256_SALT_SIZE) {
    tls12_crypto_info_aes_gcm_256 info;
    fill(info, TLS_CIPHER_AES_GCM_256, iv, key, seq);
    rc = ::setsockopt(fd, SOL_TLS, opt, &info, sizeof info);
  } else {
    fail(ErrorKind::kKernel, where + ": TLS cipher " + gnutls_cipher_get_name(cipher) +
                                 " is not one kernel TLS implements: check the target's TLS priority (AES-GCM needed)");
  }
  if (rc != 0)
    fail(ErrorKind::kKernel, where + ": the kernel refused the TLS " + (read ? "receive" : "send") + " keys: " +
                                 std::strerror(errno) + ": kernel TLS is incomplete here (check the tls module and gcm(aes)); no plaintext fallback");
}

struct SessionDeleter {
  void operator()(gnutls_session_int* s) const { gnutls_deinit(s); }
};
struct CredentialsDeleter {
  void operator()(gnutls_psk_client_credentials_st* c) const { gnutls_psk_free_client_credentials(c); }
};

}  // namespace

std::vector<PskEntry> parse_psk_file(const std::string& text, const std::string& path) {
  std::vector<PskEntry> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](const std::string& why) {
      fail(ErrorKind::kUsage, path + " line " + std::to_string(n) + ": " + why +
                                  ": a key file holds IDENTITY:HEXKEY lines; rewrite it with 'netraid rotate-key'");
    };
    const auto colon = line.find(':');
    if (colon == std::string::npos) bad("no ':' between identity and key");
    PskEntry e;
    e.identity = line.substr(0, colon);
    if (e.identity.empty()) bad("empty identity");
    const auto hex = line.substr(colon + 1);
    if (hex.empty() || hex.size() % 2) bad("the key is not an even number of hex digits");
    if (hex.size() / 2 > kMaxPskKeyBytes) bad("the key is longer than 64 bytes");
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
      if (hi < 0 || lo < 0) bad("the key has a character that is not a hex digit");
      e.key.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string render_psk_file(const std::vector<PskEntry>& entries) {
  std::string text;
  for (const auto& e : entries) {
    text += e.identity + ":";
    for (auto b : e.key) {
      text += kHex[b >> 4];
      text += kHex[b & 15];
    }
    text += "\n";
  }
  return text;
}

PskEntry read_client_psk(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0)
    fail(ErrorKind::kUsage, "key file " + path + ": " + std::strerror(errno) +
                                ": this system has no key for the mirror; copy it from the source (netraid extend does) or create the mirror with --no-tls");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    fail(ErrorKind::kUsage, "key file " + path + " is not a regular file: replace it with the mirror's key file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    fail(ErrorKind::kUsage, "key file " + path + " may be read by others (mode " +
                                std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                                std::to_string(st.st_mode & 7) + "): chmod 600 it");
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  if (st.st_size > 64 * 1024 || ::read(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    fail(ErrorKind::kUsage, "key file " + path + " cannot be read whole: replace it with the mirror's key file");
  auto entries = parse_psk_file(text, path);
  if (entries.empty()) fail(ErrorKind::kUsage, "key file " + path + " holds no key: replace it with the mirror's key file");
  return entries.back();
}

void start_kernel_tls(int fd, const PskEntry& psk, const std::string& where) {
  gnutls_psk_client_credentials_t raw_cred = nullptr;
  if (gnutls_psk_allocate_client_credentials(&raw_cred) < 0)
    fail(ErrorKind::kKernel, where + ": GnuTLS cannot allocate credentials: out of memory");
  std::unique_ptr<gnutls_psk_client_credentials_st, CredentialsDeleter> cred(raw_cred);
  gnutls_datum_t key{const_cast<unsigned char*>(psk.key.data()), static_cast<unsigned>(psk.key.size())};
  if (gnutls_psk_set_client_credentials(cred.get(), psk.identity.c_str(), &key, GNUTLS_PSK_KEY_RAW) < 0)
    fail(ErrorKind::kUsage, where + ": GnuTLS refused the mirror's key: replace the key file (netraid rotate-key)");
  gnutls_session_t raw_session = nullptr;
  if (gnutls_init(&raw_session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL) < 0)
    fail(ErrorKind::kKernel, where + ": GnuTLS cannot start a session: out of memory");
  std::unique_ptr<gnutls_session_int, SessionDeleter> session(raw_session);
  const char* bad_at = nullptr;
  if (gnutls_priority_set_direct(session.get(), kPriority, &bad_at) < 0 ||
      gnutls_credentials_set(session.get(), GNUTLS_CRD_PSK, cred.get()) < 0)
    fail(ErrorKind::kKernel, where + ": GnuTLS does not offer TLS 1.2 PSK with AES-GCM here: check the gnutls library");
  gnutls_transport_set_int(session.get(), fd);
  gnutls_handshake_set_timeout(session.get(), 10000);
  int rc;
  int tries = 0;
  do rc = gnutls_handshake(session.get());
  while (rc < 0 && !gnutls_error_is_fatal(rc) && ++tries < 1000);
  if (rc < 0) {
    const std::string why = gnutls_strerror(rc);
    // nbdkit ends the handshake without an alert when the key does not match.
    if (rc == GNUTLS_E_DECRYPTION_FAILED || rc == GNUTLS_E_FATAL_ALERT_RECEIVED || rc == GNUTLS_E_MAC_VERIFY_FAILED ||
        rc == GNUTLS_E_PREMATURE_TERMINATION)
      fail(ErrorKind::kTarget, where + ": TLS handshake refused (" + why +
                                   "): the target does not accept this mirror's key; give it the source's key (netraid rotate-key)");
    fail(ErrorKind::kNetwork, where + ": TLS handshake failed: " + why + ": check the target's NBD server and the network");
  }
  if (gnutls_record_check_pending(session.get()) != 0)
    fail(ErrorKind::kProtocol, where + ": the target sent data during the TLS handshake: the server is misbehaving");
  // Attaching the ULP loads tls.ko on demand (tcp-ulp-tls alias).
  if (::setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof "tls") != 0)
    fail(ErrorKind::kKernel, where + ": kernel TLS is not available (" + std::strerror(errno) +
                                 "): load it with 'modprobe tls' or create the mirror with --no-tls; there is no plaintext fallback");
  install_direction(fd, session.get(), false, where);
  install_direction(fd, session.get(), true, where);
  // The session ends here without close_notify: the kernel owns the records now.
}

}  // namespace netraid::nbd
