// Topic name and filter rules (spec 4.7), and matching.
#pragma once

#include <string_view>

#include "pummelo/protocol/error.hpp"
#include "pummelo/protocol/limits.hpp"

namespace pummelo::protocol {

/// A topic name as sent in PUBLISH: non-empty, no '+' or '#', within limits.
/// (UTF-8 is checked separately, when the string is decoded.)
errc validate_topic_name(std::string_view name, const limits& lim = {}) noexcept;

/// A filter: '#' only last and alone in its level, '+' alone in its level.
/// `$share/{group}/{filter}`: group non-empty without '+', '#' or '/', and a
/// valid filter after it.
errc validate_topic_filter(std::string_view filter, const limits& lim = {}) noexcept;

/// Parts of a `$share/group/filter`; empty group when not shared.
struct shared_filter {
  std::string_view group;
  std::string_view filter;
};
shared_filter split_shared(std::string_view filter) noexcept;

/// True when `name` matches `filter`. A filter starting with a wildcard does
/// not match names starting with '$' (spec 4.7.2). Both must be valid.
bool topic_matches(std::string_view filter, std::string_view name) noexcept;

}  // namespace pummelo::protocol
