// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/common/quote.hpp"

namespace netraid::common {

namespace {

enum class Escape { kControlOnly, kAll, kAllAndQuote };

std::string escaped(std::string_view text, Escape mode, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool control = c < 0x20 || c == 0x7f;
    if (mode == Escape::kControlOnly && !control) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\'' && mode == Escape::kAllAndQuote) {
      out += "\\'";
    } else if (control || c >= 0x80) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace

std::string printable(std::string_view text) { return escaped(text, Escape::kAll, kMaxEchoedBytes); }

std::string quoted(std::string_view text) { return "'" + escaped(text, Escape::kAllAndQuote, kMaxEchoedBytes) + "'"; }

std::string one_line(std::string_view message) {
  return escaped(message, Escape::kControlOnly, std::string_view::npos);
}

}  // namespace netraid::common
