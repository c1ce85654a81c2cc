// Log-bucketed latency histogram (microseconds): exact below 16 us, then 8
// sub-buckets per power of two (relative error <= 12.5 %). Mergeable, and
// serialisable as "index:count" pairs for the worker pipe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pummelo::bench {

class histogram {
 public:
  static constexpr int sub_bits = 3;                     // 8 sub-buckets
  static constexpr int linear = 2 << sub_bits;           // 16 exact buckets
  static constexpr int bucket_count = linear + (40 - sub_bits - 1) * (1 << sub_bits);

  void record(std::uint64_t us) noexcept;
  void merge(const histogram& other) noexcept;

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return max_; }
  /// Upper bound of the bucket holding quantile q (0..1]; 0 when empty.
  std::uint64_t percentile(double q) const noexcept;

  std::string serialize() const;                  // "max idx:count idx:count..."
  bool parse(std::string_view text);              // adds to this histogram

 private:
  static int index_of(std::uint64_t us) noexcept;
  static std::uint64_t upper_of(int index) noexcept;

  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace pummelo::bench
