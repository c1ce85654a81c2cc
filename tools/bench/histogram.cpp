#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>

namespace pummelo::bench {

int histogram::index_of(std::uint64_t us) noexcept {
  if (us < static_cast<std::uint64_t>(linear)) return static_cast<int>(us);
  const int msb = 63 - std::countl_zero(us);  // >= sub_bits + 1
  const int sub = static_cast<int>((us >> (msb - sub_bits)) & ((1u << sub_bits) - 1));
  const int idx = linear + (msb - sub_bits - 1) * (1 << sub_bits) + sub;
  return std::min(idx, bucket_count - 1);
}

std::uint64_t histogram::upper_of(int index) noexcept {
  if (index < linear) return static_cast<std::uint64_t>(index);
  const int rel = index - linear;
  const int msb = rel / (1 << sub_bits) + sub_bits + 1;
  const std::uint64_t sub = static_cast<std::uint64_t>(rel % (1 << sub_bits));
  const std::uint64_t base = (std::uint64_t{1} << sub_bits | sub) << (msb - sub_bits);
  return base + (std::uint64_t{1} << (msb - sub_bits)) - 1;
}

void histogram::record(std::uint64_t us) noexcept {
  ++buckets_[static_cast<std::size_t>(index_of(us))];
  ++total_;
  max_ = std::max(max_, us);
}

void histogram::merge(const histogram& other) noexcept {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  total_ += other.total_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t histogram::percentile(double q) const noexcept {
  if (total_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_))));
  std::uint64_t seen = 0;
  for (int i = 0; i < bucket_count; ++i) {
    seen += buckets_[static_cast<std::size_t>(i)];
    if (seen >= rank) return std::min(upper_of(i), max_);
  }
  return max_;
}

std::string histogram::serialize() const {
  std::string out = std::to_string(max_);
  for (int i = 0; i < bucket_count; ++i) {
    if (auto n = buckets_[static_cast<std::size_t>(i)]; n != 0)
      out += ' ' + std::to_string(i) + ':' + std::to_string(n);
  }
  return out;
}

bool histogram::parse(std::string_view text) {
  auto number = [&](std::uint64_t& v) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{}) return false;
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
    return true;
  };
  std::uint64_t mx = 0;
  if (!number(mx)) return false;
  max_ = std::max(max_, mx);
  for (;;) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty()) return true;
    std::uint64_t idx = 0, n = 0;
    if (!number(idx) || text.empty() || text.front() != ':') return false;
    text.remove_prefix(1);
    if (!number(n) || idx >= static_cast<std::uint64_t>(bucket_count)) return false;
    buckets_[idx] += n;
    total_ += n;
  }
}

}  // namespace pummelo::bench
