// A pomelo-style channel: a named set of members, each a uid on a frontend.
//
// Membership is kept once, by frontend:
//   groups:  frontend -> the uids it holds in this channel
// pomelo also keeps records (uid -> its frontends). A push to the whole
// channel, a join, a leave and a frontend's relink need only the groups, and
// "which frontends is this uid on" is answered by probing each group (a
// channel spans a few dozen frontends at most). The records cost a channel
// server ~190 B a member, 180 MB for a channel of a million.
// Unlike pomelo, add() is idempotent (no duplicate deliveries, pomelo #745),
// and a destroyed channel refuses adds and pushes with an error instead of
// never calling back.
//
// Pure data: no I/O, no clocks, no threads. Not thread-safe; the owner locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pummelo/channel/detail/string_hash.hpp"
#include "pummelo/channel/push_plan.hpp"

namespace pummelo::channel {

enum class add_result : std::uint8_t { added, already_member, destroyed };

/// One membership: a uid on a frontend.
struct member {
  std::string uid;
  std::string frontend;
  bool operator==(const member&) const = default;
};

class channel {
 public:
  explicit channel(std::string name);

  const std::string& name() const noexcept { return name_; }

  /// Adds (uid, frontend). A second add of the same pair changes nothing and
  /// returns already_member. O(1) expected.
  add_result add(std::string_view uid, std::string_view frontend);

  /// Removes (uid, frontend); false when it was not a member. Drops emptied
  /// groups. O(1) expected.
  bool leave(std::string_view uid, std::string_view frontend);

  /// Every membership, grouped by frontend (order unspecified).
  // Qualified: the member() function below hides the struct's name in here,
  // and an unqualified use before it would change meaning (ill-formed).
  std::vector<pummelo::channel::member> members() const;

  /// The frontends `uid` is on in this channel; empty when not a member.
  /// O(frontends of the channel).
  std::vector<std::string> member(std::string_view uid) const;

  bool has_member(std::string_view uid, std::string_view frontend) const;

  /// Number of (uid, frontend) memberships.
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// The uids this channel holds on `frontend` (O(those uids)).
  std::vector<std::string> uids_on(std::string_view frontend) const;

  /// The frontends holding members, with their member counts.
  std::vector<std::pair<std::string, std::size_t>> frontends() const;

  /// Marks the channel destroyed and forgets its members. Later adds return
  /// destroyed; later plans carry errc::channel_destroyed.
  void destroy();
  bool destroyed() const noexcept { return destroyed_; }

  /// pomelo's pushMessage: one group per frontend that holds members, each
  /// marked whole_channel (the frontend resolves members itself, so the plan
  /// need not carry the member list).
  push_plan plan_push() const;

  /// pomelo's pushMessageByUids within this channel: one group per frontend
  /// with only the listed uids it holds. Listed uids that are not members go
  /// to plan.failed. Duplicate uids in the input count once. O(uids x
  /// frontends of the channel).
  push_plan plan_push_by_uids(std::span<const std::string> uids) const;

 private:
  std::string name_;
  bool destroyed_ = false;
  std::size_t size_ = 0;
  detail::string_map<detail::string_set> groups_;  // frontend -> uids
};

}  // namespace pummelo::channel
