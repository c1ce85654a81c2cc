// Which frontends each uid has sessions on, with a count per frontend so that
// a uid with several devices on one frontend is tracked correctly. Used to
// push and kick by uid across frontends (pomelo's kick was local only).
//
// Pure data: no I/O, no clocks, no threads. Not thread-safe; the owner locks.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pummelo/channel/detail/string_hash.hpp"
#include "pummelo/channel/push_plan.hpp"

namespace pummelo::channel {

class uid_directory {
 public:
  /// One more session of `uid` on `frontend`.
  void bind(std::string_view uid, std::string_view frontend);
  /// One session fewer; false when none was bound. Drops emptied entries.
  bool unbind(std::string_view uid, std::string_view frontend);
  /// Forgets every session on `frontend` (it died); returns the uids it held.
  std::vector<std::string> drop_frontend(std::string_view frontend);

  /// Frontends `uid` has sessions on (empty when none).
  std::vector<std::string> frontends_of(std::string_view uid) const;
  std::size_t sessions_of(std::string_view uid, std::string_view frontend) const;
  std::size_t uid_count() const noexcept { return uids_.size(); }

  /// A push or kick by uids: one group per frontend with its uids; uids with
  /// no session anywhere go to failed. Empty input is push_errc::empty_uids.
  /// Duplicate uids in the input count once.
  push_plan plan(std::span<const std::string> uids) const;

 private:
  // (frontend, session count) pairs. A vector, not a map: a uid is on a
  // handful of frontends, and a map per uid would cost a bucket array each.
  using sessions = std::vector<std::pair<std::string, std::size_t>>;
  detail::string_map<sessions> uids_;                 // uid -> its frontends
  detail::string_map<detail::string_set> frontends_;  // frontend -> uids (for drop_frontend)
};

}  // namespace pummelo::channel
