// What a subscription is: who holds it and with which options.
#pragma once

#include <cstdint>

namespace pummelo::channel {

/// Identifies a session; the broker allocates them, the tree only compares them.
using session_id = std::uint64_t;

/// The SUBSCRIBE options of one (session, filter) subscription (spec 3.8.3.1).
struct subscription_options {
  std::uint8_t qos = 0;
  bool no_local = false;
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;
  std::uint32_t subscription_id = 0;  // 0 = none
  bool operator==(const subscription_options&) const = default;
};

/// One delivery target reported by topic_tree::match().
struct subscriber {
  session_id session;
  subscription_options options;
  /// Delivered through a $share group. The tree reports it; the broker decides
  /// what it implies (e.g. for no_local).
  bool shared;
};

}  // namespace pummelo::channel
