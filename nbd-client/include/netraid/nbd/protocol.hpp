// SPDX-License-Identifier: GPL-2.0-or-later
// The NBD fixed-newstyle handshake as the kernel's client needs it: pure
// encoders/decoders over byte buffers, and negotiate() driving them over an
// abstract byte stream (a TCP socket in production, a script of bytes in tests).
// NBD_OPT_STARTTLS when the mirror uses TLS, then NBD_OPT_GO; structured replies are never requested because the
// kernel driver speaks simple replies in the transmission phase.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace netraid::nbd {

using Bytes = std::vector<std::uint8_t>;

namespace proto {
inline constexpr std::uint64_t kNbdMagic = 0x4e42444d41474943ULL;    // "NBDMAGIC"
inline constexpr std::uint64_t kOptMagic = 0x49484156454f5054ULL;    // "IHAVEOPT"
inline constexpr std::uint64_t kOldstyleMagic = 0x0000420281861253ULL;
inline constexpr std::uint64_t kReplyMagic = 0x0003e889045565a9ULL;

// Handshake flags (server) and client flags.
inline constexpr std::uint16_t kFlagFixedNewstyle = 1u << 0;
inline constexpr std::uint16_t kFlagNoZeroes = 1u << 1;
inline constexpr std::uint32_t kClientFixedNewstyle = 1u << 0;
inline constexpr std::uint32_t kClientNoZeroes = 1u << 1;

// Options.
inline constexpr std::uint32_t kOptAbort = 2;
inline constexpr std::uint32_t kOptStartTls = 5;
inline constexpr std::uint32_t kOptGo = 7;

// Option reply types.
inline constexpr std::uint32_t kRepAck = 1;
inline constexpr std::uint32_t kRepServer = 2;
inline constexpr std::uint32_t kRepInfo = 3;
inline constexpr std::uint32_t kRepErrBit = 1u << 31;
inline constexpr std::uint32_t kRepErrUnsup = kRepErrBit | 1;
inline constexpr std::uint32_t kRepErrPolicy = kRepErrBit | 2;
inline constexpr std::uint32_t kRepErrInvalid = kRepErrBit | 3;
inline constexpr std::uint32_t kRepErrPlatform = kRepErrBit | 4;
inline constexpr std::uint32_t kRepErrTlsReqd = kRepErrBit | 5;
inline constexpr std::uint32_t kRepErrUnknown = kRepErrBit | 6;
inline constexpr std::uint32_t kRepErrShutdown = kRepErrBit | 7;
inline constexpr std::uint32_t kRepErrBlockSizeReqd = kRepErrBit | 8;
inline constexpr std::uint32_t kRepErrTooBig = kRepErrBit | 9;

// NBD_OPT_GO information types.
inline constexpr std::uint16_t kInfoExport = 0;
inline constexpr std::uint16_t kInfoName = 1;
inline constexpr std::uint16_t kInfoDescription = 2;
inline constexpr std::uint16_t kInfoBlockSize = 3;

// Transmission flags (same values as <linux/nbd.h>).
inline constexpr std::uint16_t kTxHasFlags = 1u << 0;
inline constexpr std::uint16_t kTxReadOnly = 1u << 1;
inline constexpr std::uint16_t kTxSendFlush = 1u << 2;
inline constexpr std::uint16_t kTxSendFua = 1u << 3;
inline constexpr std::uint16_t kTxSendTrim = 1u << 5;
inline constexpr std::uint16_t kTxCanMultiConn = 1u << 8;

inline constexpr std::size_t kGreetingSize = 18;     // magic, magic, u16 flags
inline constexpr std::size_t kReplyHeaderSize = 20;  // magic, u32 option, u32 type, u32 length
inline constexpr std::size_t kMaxExportName = 4096;  // the protocol's limit
inline constexpr std::uint32_t kMaxReplyLength = 64 * 1024;  // refuse anything larger
inline constexpr int kMaxReplies = 64;               // replies to one NBD_OPT_GO
// The kernel keeps sizes as loff_t: anything above this cannot be a device.
inline constexpr std::uint64_t kMaxExportSize = 0x7fffffffffffffffULL;
}  // namespace proto

struct Greeting {
  std::uint16_t handshake_flags = 0;
};

struct ReplyHeader {
  std::uint32_t option = 0;
  std::uint32_t type = 0;
  std::uint32_t length = 0;
};

struct BlockSizes {
  std::uint32_t minimum = 0, preferred = 0, maximum = 0;
};

struct ExportInfo {
  std::uint64_t size = 0;
  std::uint16_t flags = 0;  // transmission flags
  std::optional<BlockSizes> block_sizes;
};

// ---- pure codec -----------------------------------------------------------
Greeting decode_greeting(std::span<const std::uint8_t> bytes);
Bytes encode_client_flags(const Greeting& greeting);
// NBD_OPT_GO for `export_name`, asking for NBD_INFO_EXPORT and NBD_INFO_BLOCK_SIZE.
Bytes encode_opt_go(const std::string& export_name);
Bytes encode_opt_abort();
Bytes encode_opt_starttls();
ReplyHeader decode_reply_header(std::span<const std::uint8_t> bytes);
// Applies one NBD_REP_INFO payload to `info`; unknown info types are ignored (spec).
void apply_info(std::span<const std::uint8_t> payload, ExportInfo& info, bool& have_export);
// Text for an NBD_REP_ERR_* reply: one line naming the problem and the fix.
std::string describe_error_reply(std::uint32_t type, const std::string& export_name,
                                 std::span<const std::uint8_t> payload);
std::string describe_flags(std::uint16_t flags);

// ---- driver ---------------------------------------------------------------
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  virtual void write_all(std::span<const std::uint8_t> bytes) = 0;
  // Fills `out` completely or throws ClientError (short read = server went away).
  virtual void read_exact(std::span<std::uint8_t> out) = 0;
  // After the server acknowledged NBD_OPT_STARTTLS: the TLS handshake; the
  // stream is encrypted afterwards.
  virtual void start_tls() = 0;
};

// Runs the handshake up to the transmission phase, through TLS when `tls`
// (the server must agree: no plaintext fallback). Throws ClientError.
ExportInfo negotiate(ByteStream& stream, const std::string& export_name, bool tls = false);

// ---- what the mirror needs from the export ---------------------------------
struct ExportRequirements {
  std::uint64_t min_size = 0;  // 0 = any size
  unsigned connections = 1;
};
// Throws ClientError(kTarget) naming the first unmet requirement.
void check_export(const ExportInfo& info, const ExportRequirements& need, const std::string& where);
// Block size to give the kernel: 512 unless the server needs larger (power of two <= 4096).
std::uint64_t choose_block_size(const ExportInfo& info, const std::string& where);

}  // namespace netraid::nbd
