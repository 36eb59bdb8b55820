// SPDX-License-Identifier: GPL-2.0-or-later
// Small text helpers shared by the parsers (private to netraid-mdadm).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netraid::mdadm::detail {

std::string_view trim(std::string_view s);
std::vector<std::string_view> split_lines(std::string_view text);
std::vector<std::string_view> split_words(std::string_view s);
std::optional<std::uint64_t> to_u64(std::string_view s);  // whole string, decimal
bool starts_with(std::string_view s, std::string_view prefix);

// Parses `s` as a decimal u64 or throws ParseError naming `what`.
std::uint64_t require_u64(std::string_view s, std::string_view what);

}  // namespace netraid::mdadm::detail
