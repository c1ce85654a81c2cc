// Private helper shared by every plan maker: collects (frontend, uid) pairs
// into one push_group per frontend, in order of first appearance, and failed
// uids, dropping duplicates of either.
#pragma once

#include <cstddef>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pummelo/channel/push_plan.hpp"

namespace pummelo::channel::detail {

/// The views passed in are kept until finish(): they must outlive the builder
/// (callers pass views into their input span or into a container they hold
/// const meanwhile).
class plan_builder {
 public:
  /// Adds `uid` to the group of `frontend`; false when it is there already.
  bool add(std::string_view frontend, std::string_view uid);
  /// Adds a whole-channel group for `frontend`; false when it is there already.
  bool add_whole(std::string_view frontend);
  /// Records `uid` as undeliverable; false when it is there already.
  bool fail(std::string_view uid);

  push_plan finish() &&;

 private:
  struct group_index {
    std::size_t position;                       // in plan_.groups
    std::unordered_set<std::string_view> uids;  // already in that group
  };
  group_index& group(std::string_view frontend, bool whole);

  push_plan plan_;
  std::unordered_map<std::string_view, group_index> groups_;
  std::unordered_set<std::string_view> failed_;
};

/// A plan that could not be made: only the error, no groups.
push_plan error_plan(push_errc e);

}  // namespace pummelo::channel::detail
