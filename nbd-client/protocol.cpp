// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/nbd/protocol.hpp"

#include <cstdio>

#include "netraid/nbd/error.hpp"

namespace netraid::nbd {

namespace {
std::uint64_t be64(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | b[at + i];
  return v;
}
std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | b[at + i];
  return v;
}
std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
void put64(Bytes& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
// Server-provided text, made safe for a one-line message.
std::string printable(std::span<const std::uint8_t> bytes, std::size_t limit = 200) {
  std::string s;
  for (std::size_t i = 0; i < bytes.size() && s.size() < limit; ++i) {
    auto c = static_cast<char>(bytes[i]);
    s += (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? c : '?';
  }
  return s;
}
void need(std::span<const std::uint8_t> b, std::size_t n, const char* what) {
  if (b.size() < n)
    fail(ErrorKind::kProtocol, std::string("short ") + what + ": got " + std::to_string(b.size()) +
                                   " of " + std::to_string(n) + " bytes: the server is not a working NBD server");
}
}  // namespace

Greeting decode_greeting(std::span<const std::uint8_t> bytes) {
  need(bytes, proto::kGreetingSize, "server greeting");
  if (be64(bytes, 0) != proto::kNbdMagic)
    fail(ErrorKind::kProtocol,
         "bad greeting magic " + hex(be64(bytes, 0)) + ": the port does not serve NBD; check HOST:PORT");
  const auto second = be64(bytes, 8);
  if (second == proto::kOldstyleMagic)
    fail(ErrorKind::kProtocol,
         "server speaks the old-style NBD handshake: configure it for newstyle (nbdkit: drop -o; nbd-server: use a named export)");
  if (second != proto::kOptMagic)
    fail(ErrorKind::kProtocol, "bad option magic " + hex(second) + " in greeting: the port does not serve NBD; check HOST:PORT");
  Greeting g{be16(bytes, 16)};
  if (!(g.handshake_flags & proto::kFlagFixedNewstyle))
    fail(ErrorKind::kProtocol, "server does not offer the fixed-newstyle handshake: upgrade the NBD server");
  return g;
}

Bytes encode_client_flags(const Greeting& greeting) {
  std::uint32_t flags = proto::kClientFixedNewstyle;
  if (greeting.handshake_flags & proto::kFlagNoZeroes) flags |= proto::kClientNoZeroes;
  Bytes out;
  put32(out, flags);
  return out;
}

Bytes encode_opt_go(const std::string& export_name) {
  if (export_name.size() > proto::kMaxExportName)
    fail(ErrorKind::kUsage, "export name is " + std::to_string(export_name.size()) +
                                " bytes long: the NBD protocol allows at most 4096");
  Bytes data;
  put32(data, static_cast<std::uint32_t>(export_name.size()));
  data.insert(data.end(), export_name.begin(), export_name.end());
  put16(data, 2);
  put16(data, proto::kInfoExport);
  put16(data, proto::kInfoBlockSize);
  Bytes out;
  put64(out, proto::kOptMagic);
  put32(out, proto::kOptGo);
  put32(out, static_cast<std::uint32_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

namespace {
// An option request without data.
Bytes encode_bare_option(std::uint32_t option) {
  Bytes out;
  put64(out, proto::kOptMagic);
  put32(out, option);
  put32(out, 0);
  return out;
}
}  // namespace

Bytes encode_opt_abort() { return encode_bare_option(proto::kOptAbort); }

Bytes encode_opt_starttls() { return encode_bare_option(proto::kOptStartTls); }

ReplyHeader decode_reply_header(std::span<const std::uint8_t> bytes) {
  need(bytes, proto::kReplyHeaderSize, "option reply header");
  if (be64(bytes, 0) != proto::kReplyMagic)
    fail(ErrorKind::kProtocol, "bad option reply magic " + hex(be64(bytes, 0)) +
                                   ": the server broke the NBD handshake; check the server's log");
  ReplyHeader h{be32(bytes, 8), be32(bytes, 12), be32(bytes, 16)};
  if (h.length > proto::kMaxReplyLength)
    fail(ErrorKind::kProtocol, "option reply of " + std::to_string(h.length) +
                                   " bytes is too large (limit 65536): the server is misbehaving; check the server");
  return h;
}

void apply_info(std::span<const std::uint8_t> payload, ExportInfo& info, bool& have_export) {
  need(payload, 2, "NBD_REP_INFO");
  const auto type = be16(payload, 0);
  if (type == proto::kInfoExport) {
    if (payload.size() != 12)
      fail(ErrorKind::kProtocol, "NBD_INFO_EXPORT of " + std::to_string(payload.size()) +
                                     " bytes (expected 12): the server is misbehaving; check the server");
    info.size = be64(payload, 2);
    info.flags = be16(payload, 10);
    have_export = true;
  } else if (type == proto::kInfoBlockSize) {
    if (payload.size() != 14)
      fail(ErrorKind::kProtocol, "NBD_INFO_BLOCK_SIZE of " + std::to_string(payload.size()) +
                                     " bytes (expected 14): the server is misbehaving; check the server");
    info.block_sizes = BlockSizes{be32(payload, 2), be32(payload, 6), be32(payload, 10)};
  }
  // NBD_INFO_NAME, NBD_INFO_DESCRIPTION and future types: ignored, as the spec says.
}

std::string describe_error_reply(std::uint32_t type, const std::string& export_name,
                                 std::span<const std::uint8_t> payload) {
  std::string msg = payload.empty() ? "" : " (server says: " + printable(payload) + ")";
  switch (type) {
    case proto::kRepErrUnknown:
      return "export '" + export_name + "' not found on the server" + msg +
             ": check the mirror's tag and that the target serves it";
    case proto::kRepErrUnsup:
      return "server does not support NBD_OPT_GO" + msg + ": use nbdkit >= 1.10 or nbd-server >= 3.17";
    case proto::kRepErrPolicy:
      return "server refused export '" + export_name + "' by policy" + msg + ": check the server's access rules";
    case proto::kRepErrTlsReqd:
      return "the target requires TLS" + msg + ": this mirror is encrypted there; give this system the mirror's key (netraid extend or rotate-key does)";
    case proto::kRepErrShutdown:
      return "server is shutting down" + msg + ": retry when the target is up again";
    case proto::kRepErrBlockSizeReqd:
      return "server requires block size negotiation" + msg + ": check the server's block size settings";
    case proto::kRepErrInvalid:
    case proto::kRepErrPlatform:
    case proto::kRepErrTooBig:
    default:
      return "server refused NBD_OPT_GO with error " + hex(type) + msg + ": check the server's log";
  }
}

std::string describe_flags(std::uint16_t flags) {
  std::string s;
  auto add = [&](std::uint16_t bit, const char* name) {
    if (flags & bit) s += (s.empty() ? "" : ",") + std::string(name);
  };
  add(proto::kTxReadOnly, "read-only");
  add(proto::kTxSendFlush, "flush");
  add(proto::kTxSendFua, "fua");
  add(proto::kTxSendTrim, "trim");
  add(proto::kTxCanMultiConn, "multi-conn");
  return s.empty() ? "none" : s;
}

namespace {
// One option reply (header and payload), which must answer OPTION.
ReplyHeader read_reply(ByteStream& stream, std::uint32_t option, const char* name, Bytes& payload) {
  std::uint8_t header_bytes[proto::kReplyHeaderSize];
  stream.read_exact(header_bytes);
  const auto h = decode_reply_header(header_bytes);
  payload.assign(h.length, 0);
  if (h.length) stream.read_exact(payload);
  if (h.option != option)
    fail(ErrorKind::kProtocol, "server answered option " + std::to_string(h.option) + " when " + name +
                                   " was asked: the server is misbehaving; check the server");
  return h;
}

// NBD_OPT_STARTTLS, its one reply, then the TLS handshake.
void start_tls(ByteStream& stream) {
  stream.write_all(encode_opt_starttls());
  Bytes payload;
  const auto h = read_reply(stream, proto::kOptStartTls, "NBD_OPT_STARTTLS", payload);
  if (h.type == proto::kRepErrUnsup || h.type == proto::kRepErrPolicy)
    fail(ErrorKind::kTarget, "the target does not serve this mirror with TLS" +
                                 (payload.empty() ? std::string() : " (server says: " + printable(payload) + ")") +
                                 ": its server runs without the mirror's key; restart it (netraid resync) or use a --no-tls mirror");
  if (h.type != proto::kRepAck)
    fail(ErrorKind::kProtocol, "server refused NBD_OPT_STARTTLS with " + hex(h.type) + ": check the server's log");
  stream.start_tls();
}
}  // namespace

ExportInfo negotiate(ByteStream& stream, const std::string& export_name, bool tls) {
  std::uint8_t greeting_bytes[proto::kGreetingSize];
  stream.read_exact(greeting_bytes);
  const auto greeting = decode_greeting(greeting_bytes);
  stream.write_all(encode_client_flags(greeting));
  if (tls) start_tls(stream);
  stream.write_all(encode_opt_go(export_name));

  ExportInfo info;
  bool have_export = false;
  for (int n = 0; n < proto::kMaxReplies; ++n) {
    Bytes payload;
    const auto h = read_reply(stream, proto::kOptGo, "NBD_OPT_GO", payload);
    if (h.type & proto::kRepErrBit)
      fail(h.type == proto::kRepErrUnknown ? ErrorKind::kTarget : ErrorKind::kProtocol,
           describe_error_reply(h.type, export_name, payload));
    if (h.type == proto::kRepInfo) {
      apply_info(payload, info, have_export);
    } else if (h.type == proto::kRepAck) {
      if (!have_export)
        fail(ErrorKind::kProtocol, "server acknowledged NBD_OPT_GO without NBD_INFO_EXPORT: the server is broken; check it");
      return info;
    } else {
      fail(ErrorKind::kProtocol, "unknown reply type " + hex(h.type) +
                                     " to NBD_OPT_GO: the server is misbehaving; check the server");
    }
  }
  fail(ErrorKind::kProtocol, "server sent more than 64 replies to NBD_OPT_GO: the server is misbehaving; check it");
}

void check_export(const ExportInfo& info, const ExportRequirements& need_, const std::string& where) {
  if (info.size > proto::kMaxExportSize)
    fail(ErrorKind::kTarget, where + ": export size " + std::to_string(info.size) +
                                 " bytes is beyond what the kernel can address: the server is misbehaving");
  if (info.size < 512)
    fail(ErrorKind::kTarget, where + ": export is " + std::to_string(info.size) +
                                 " bytes, smaller than one sector: check the target's disk");
  if (need_.min_size && info.size < need_.min_size)
    fail(ErrorKind::kTarget, where + ": export is " + std::to_string(info.size) + " bytes but " +
                                 std::to_string(need_.min_size) + " are needed: give the target a larger disk");
  if (!(info.flags & proto::kTxHasFlags))
    fail(ErrorKind::kTarget, where + ": server sends no transmission flags, so it cannot flush: use a server that honours flush and FUA");
  if (info.flags & proto::kTxReadOnly)
    fail(ErrorKind::kTarget, where + ": export is read-only: serve it writable on the target");
  if (!(info.flags & proto::kTxSendFlush))
    fail(ErrorKind::kTarget, where + ": server does not honour flush (NBD_FLAG_SEND_FLUSH): a mirror leg must be durable; fix the server's configuration");
  if (!(info.flags & proto::kTxSendFua))
    fail(ErrorKind::kTarget, where + ": server does not honour FUA (NBD_FLAG_SEND_FUA): a mirror leg must be durable; fix the server's configuration (nbdkit: --filter=fua fuamode=emulate)");
  if (need_.connections > 1 && !(info.flags & proto::kTxCanMultiConn))
    fail(ErrorKind::kTarget, where + ": server does not allow several connections (no NBD_FLAG_CAN_MULTI_CONN): use --connections 1");
}

std::uint64_t choose_block_size(const ExportInfo& info, const std::string& where) {
  std::uint64_t bs = 512;
  if (info.block_sizes) {
    const auto min = info.block_sizes->minimum;
    if (min > 4096 || (min & (min - 1)) != 0)
      fail(ErrorKind::kTarget, where + ": server's minimum block size " + std::to_string(min) +
                                   " is not a power of two up to 4096, which the kernel needs: check the server");
    if (min > bs) bs = min;
  }
  return bs;
}

}  // namespace netraid::nbd
