// String-keyed hash containers that can be searched with a std::string_view
// without building a std::string first (C++20 heterogeneous lookup).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace pummelo::channel::detail {

struct string_hash {
  using is_transparent = void;  // enables find(string_view) on the containers
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <typename V>
using string_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;

using string_set = std::unordered_set<std::string, string_hash, std::equal_to<>>;

}  // namespace pummelo::channel::detail
