// A frontend's view of its channel memberships and uids: which members of
// this frontend are in which channel, and this frontend's sessions by uid
// (used to push and kick by uid). The channels themselves, with every
// frontend's members, live in the channel servers.
//
// A subscription to filter F by a session of member M on this frontend is
// add(M, frontend) on channel F; the last such session leaving is a leave.
// Channels exist while they have members. M is the session's uid, or
// "$client/<client id>" for a session bound to no uid, so that every
// subscriber is a member.
//
// Thread-safe: one mutex. It is taken on subscribe, unsubscribe, session
// start and end, and per push request; never on the publish path.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pummelo/channel/channel.hpp"
#include "pummelo/channel/subscription.hpp"

namespace pummelo::broker {

class channel_registry {
 public:
  explicit channel_registry(std::string frontend) : frontend_(std::move(frontend)) {}

  const std::string& frontend() const noexcept { return frontend_; }

  /// Member name for a session: its uid, or "$client/<client id>" if unbound.
  /// (bind_session never binds a uid starting with "$client/", so the two
  /// kinds of name cannot collide.)
  static std::string member_name(const std::string& uid, const std::string& client_id);

  /// One more session of `member` subscribes to `filter` here. True when
  /// that makes `member` a new member of the channel on this frontend.
  bool join(const std::string& filter, const std::string& member);
  /// One session fewer; the membership ends with the last one (true then).
  bool leave(const std::string& filter, const std::string& member);

  /// A session bound to `uid` started / ended on this frontend. True when it
  /// is the uid's first / was its last session here.
  bool bind_uid(const std::string& uid, channel::session_id s);
  bool unbind_uid(const std::string& uid, channel::session_id s);

  /// Every (filter, member) membership and every bound uid, for registering
  /// them again with a channel server that restarted.
  void for_each_membership(
      const std::function<void(const std::string& filter, const std::string& member)>& f) const;
  void for_each_uid(const std::function<void(const std::string& uid)>& f) const;

  /// This frontend's sessions of each uid (uids with none are left out).
  std::unordered_map<std::string, std::vector<channel::session_id>> local_sessions(
      std::span<const std::string> uids) const;

  std::size_t channel_count() const;
  /// The memberships of `filter`'s channel (empty when it has none).
  std::vector<channel::member> members(const std::string& filter) const;

 private:
  mutable std::mutex mutex_;
  std::string frontend_;
  // filter + '\0' + member -> sessions of that member subscribed here. The
  // channels themselves live in the channel servers (cluster::channel_node,
  // in-process when standalone); this frontend keeps only what it needs to
  // count joins and to register its memberships again.
  std::unordered_map<std::string, std::size_t> refs_;
  std::unordered_map<std::string, std::size_t> channel_sizes_;  // filter -> members here
  std::unordered_map<std::string, std::unordered_set<channel::session_id>> sessions_by_uid_;
};

}  // namespace pummelo::broker
