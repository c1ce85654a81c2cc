// Splitting topic names and filters into levels without allocating.
#pragma once

#include <cstddef>
#include <string_view>

namespace pummelo::channel::detail {

inline constexpr std::size_t no_level = std::string_view::npos;

/// One level of a '/'-separated string and where the following one starts.
struct level_split {
  std::string_view level;
  std::size_t next;  // no_level when `level` was the last one
};

/// The level starting at `pos`. Empty levels are levels: "a//b" has three,
/// "a/" and "/a" two, "" one (spec 4.7.1.1).
constexpr level_split split_level(std::string_view s, std::size_t pos) noexcept {
  const std::size_t slash = s.find('/', pos);
  if (slash == std::string_view::npos) return {s.substr(pos), no_level};
  return {s.substr(pos, slash - pos), slash + 1};
}

/// A filter split into its $share group (empty when not shared) and the
/// filter proper.
struct filter_parts {
  std::string_view group;
  std::string_view filter;
};

/// Parses "$share/{group}/{filter}" (spec 4.8.2). Anything that is not of
/// that shape (which the codec would have rejected anyway) is taken as an
/// ordinary filter, so that the tree never has to fail.
constexpr filter_parts parse_filter(std::string_view filter) noexcept {
  constexpr std::string_view prefix = "$share/";
  if (!filter.starts_with(prefix)) return {{}, filter};
  const std::string_view rest = filter.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {{}, filter};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

}  // namespace pummelo::channel::detail
