// SPDX-License-Identifier: GPL-2.0-or-later
// TLS on the replication link. A mirror has one pre-shared key, in the file
// format nbdkit's --tls-psk reads ("IDENTITY:HEXKEY", one per line). The
// client does the TLS handshake in user space (GnuTLS), then hands the
// session's keys to the kernel (kernel TLS: TCP_ULP "tls", TLS_TX/TLS_RX), so
// the NBD data path stays in the kernel: the kernel's nbd driver reads and
// writes plaintext on a socket the kernel encrypts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace netraid::nbd {

struct PskEntry {
  std::string identity;
  std::vector<std::uint8_t> key;
};

// Pure: the entries of a PSK file's text, in order. Throws ClientError(kUsage)
// naming `path` and the line. Blank lines and '#' comments are skipped.
std::vector<PskEntry> parse_psk_file(const std::string& text, const std::string& path);
// Pure: the text of a PSK file holding `entries`.
std::string render_psk_file(const std::vector<PskEntry>& entries);
inline constexpr std::size_t kPskKeyBytes = 32;
inline constexpr std::size_t kMaxPskKeyBytes = 64;

// The entry a client uses: the last one (a key rotation appends the new key,
// switches the clients, then drops the old one). Reads PATH and refuses a
// file that others than root may read (one line saying how to fix it).
PskEntry read_client_psk(const std::string& path);

// On a connected socket, after NBD_OPT_STARTTLS was acknowledged: TLS 1.2
// handshake with the key (AES-GCM, so kernel TLS can take it over), then
// the kernel takes the record layer. Throws ClientError: kTarget when the
// handshake fails (wrong key: "the target does not accept this mirror's
// key"), kKernel when kernel TLS is unavailable (no plaintext fallback).
void start_kernel_tls(int fd, const PskEntry& psk, const std::string& where);

}  // namespace netraid::nbd
