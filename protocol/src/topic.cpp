#include "pummelo/protocol/topic.hpp"

#include <algorithm>
#include <cstddef>

namespace pummelo::protocol {

namespace {

constexpr std::string_view share_prefix = "$share/";

std::size_t level_count(std::string_view s) noexcept {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '/')) + 1;
}

// A filter without the $share prefix: '#' alone and last, '+' alone.
errc validate_plain_filter(std::string_view f, const limits& lim) noexcept {
  if (f.empty()) return errc::invalid_topic_filter;
  if (level_count(f) > lim.max_topic_levels) return errc::invalid_topic_filter;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = f.find('/', start);
    const bool last = end == std::string_view::npos;
    const std::string_view level = f.substr(start, last ? f.npos : end - start);
    if (level.find('#') != level.npos && (level != "#" || !last)) {
      return errc::invalid_topic_filter;
    }
    if (level.find('+') != level.npos && level != "+") {
      return errc::invalid_topic_filter;
    }
    if (last) return errc::ok;
    start = end + 1;
  }
}

}  // namespace

errc validate_topic_name(std::string_view name, const limits& lim) noexcept {
  if (name.empty() || name.size() > lim.max_topic_length) {
    return errc::invalid_topic_name;
  }
  if (name.find_first_of("+#") != name.npos) return errc::invalid_topic_name;
  if (level_count(name) > lim.max_topic_levels) return errc::invalid_topic_name;
  return errc::ok;
}

errc validate_topic_filter(std::string_view filter, const limits& lim) noexcept {
  if (filter.size() > lim.max_topic_length) return errc::invalid_topic_filter;
  if (!filter.starts_with(share_prefix)) return validate_plain_filter(filter, lim);
  // $share/{group}/{filter}: "$share/g" (no filter) and "$share//x" (empty
  // group) are both invalid (spec 4.8.2).
  const std::string_view rest = filter.substr(share_prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == rest.npos || slash == 0) return errc::invalid_topic_filter;
  const std::string_view group = rest.substr(0, slash);
  if (group.find_first_of("+#") != group.npos) return errc::invalid_topic_filter;
  return validate_plain_filter(rest.substr(slash + 1), lim);
}

shared_filter split_shared(std::string_view filter) noexcept {
  if (filter.starts_with(share_prefix)) {
    const std::string_view rest = filter.substr(share_prefix.size());
    const std::size_t slash = rest.find('/');
    if (slash != rest.npos && slash != 0) {
      return {rest.substr(0, slash), rest.substr(slash + 1)};
    }
  }
  return {{}, filter};
}

bool topic_matches(std::string_view filter, std::string_view name) noexcept {
  // Spec 4.7.2: wildcards at the first level do not match "$SYS/..." etc.
  if (!name.empty() && name.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  std::size_t fstart = 0;
  std::size_t nstart = 0;
  bool name_done = false;
  while (true) {
    const std::size_t fend = filter.find('/', fstart);
    const bool flast = fend == filter.npos;
    const std::string_view flevel =
        filter.substr(fstart, flast ? filter.npos : fend - fstart);
    // '#' also matches the parent level: "a/#" matches "a".
    if (flevel == "#") return true;
    if (name_done) return false;
    const std::size_t nend = name.find('/', nstart);
    const bool nlast = nend == name.npos;
    const std::string_view nlevel =
        name.substr(nstart, nlast ? name.npos : nend - nstart);
    if (flevel != "+" && flevel != nlevel) return false;
    if (flast) return nlast;
    fstart = fend + 1;
    if (nlast) {
      name_done = true;
    } else {
      nstart = nend + 1;
    }
  }
}

}  // namespace pummelo::protocol
