// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace netraid::mirror::progress {

RateEstimator::RateEstimator(std::size_t window_samples) : window_(std::max<std::size_t>(window_samples, 2)) {}

void RateEstimator::add(double at_seconds, std::uint64_t done_bytes) {
  if (!samples_.empty()) {
    if (at_seconds <= samples_.back().at_seconds) return;
    if (done_bytes < samples_.back().done_bytes) samples_.clear();
  }
  samples_.push_back({at_seconds, done_bytes});
  while (samples_.size() > window_) samples_.pop_front();
}

std::optional<double> RateEstimator::bytes_per_second() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& first = samples_.front();
  const auto& last = samples_.back();
  const double span = last.at_seconds - first.at_seconds;
  if (span <= 0) return std::nullopt;
  return static_cast<double>(last.done_bytes - first.done_bytes) / span;
}

double percent_done(const ProgressView& view) {
  if (view.total_bytes == 0) return 0;
  const double p = 100.0 * static_cast<double>(view.done_bytes) / static_cast<double>(view.total_bytes);
  return std::clamp(p, 0.0, 100.0);
}

std::optional<double> effective_rate(const ProgressView& view) {
  if (view.rate_bytes_per_s) {
    if (*view.rate_bytes_per_s > 0) return view.rate_bytes_per_s;
    return std::nullopt;
  }
  if (view.elapsed_seconds <= 0 || view.done_bytes == 0) return std::nullopt;
  return static_cast<double>(view.done_bytes) / view.elapsed_seconds;
}

std::optional<std::uint64_t> eta_seconds(const ProgressView& view) {
  if (view.done_bytes >= view.total_bytes) return 0;
  const auto rate = effective_rate(view);
  if (!rate) return std::nullopt;
  const double left = static_cast<double>(view.total_bytes - view.done_bytes);
  return static_cast<std::uint64_t>(std::ceil(left / *rate));
}

std::string format_clock(std::uint64_t seconds) {
  char buf[48];
  const auto h = seconds / 3600;
  const auto m = (seconds % 3600) / 60;
  const auto s = seconds % 60;
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(s));
  return buf;
}

namespace {

constexpr std::size_t kMaxBarCells = 50;
constexpr std::size_t kMinBarCells = 10;

std::string format_percent(double percent) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", percent);
  return buf;
}

std::string format_rate_mb(double bytes_per_s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB/s", bytes_per_s / 1e6);
  return buf;
}

// Fixed-width numbers so the line does not jitter as it is redrawn.
std::string bar_suffix(const ProgressView& view) {
  char percent[16];
  std::snprintf(percent, sizeof percent, "%5.1f%%", percent_done(view));
  const auto rate = effective_rate(view);
  char rate_text[32];
  if (rate)
    std::snprintf(rate_text, sizeof rate_text, "%5.1f MB/s", *rate / 1e6);
  else
    std::snprintf(rate_text, sizeof rate_text, "%5s MB/s", "--.-");
  const auto eta = eta_seconds(view);
  return std::string(percent) + "  " + rate_text + "  ETA " + (eta ? format_clock(*eta) : "-:--");
}

std::string bar(double fraction, std::size_t cells) {
  const auto filled = std::min(cells, static_cast<std::size_t>(fraction * static_cast<double>(cells)));
  std::string out = "[";
  out.append(filled, '=');
  if (filled < cells) {
    out += '>';
    out.append(cells - filled - 1, ' ');
  }
  out += ']';
  return out;
}

}  // namespace

std::string render_bar_line(const ProgressView& view, std::size_t terminal_width) {
  const auto suffix = bar_suffix(view);
  // "[" + cells + "]" + " " + suffix
  const std::size_t fixed = suffix.size() + 3;
  if (terminal_width < fixed + kMinBarCells) return suffix.substr(0, std::min(suffix.size(), terminal_width));
  const auto cells = std::min(kMaxBarCells, terminal_width - fixed);
  return bar(percent_done(view) / 100.0, cells) + " " + suffix;
}

std::string render_plain_line(std::string_view tag, std::string_view kind, const ProgressView& view) {
  std::string out;
  out.append(tag).append(": ").append(kind).append(" ").append(format_percent(percent_done(view)));
  out += " (" + std::to_string(view.done_bytes / 1024) + "/" + std::to_string(view.total_bytes / 1024) + " KiB)";
  if (const auto rate = effective_rate(view)) out += " " + format_rate_mb(*rate);
  if (const auto eta = eta_seconds(view)) out += " ETA " + std::to_string(*eta) + " s";
  return out;
}

}  // namespace netraid::mirror::progress
