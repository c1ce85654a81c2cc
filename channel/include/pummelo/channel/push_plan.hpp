// Delivery plans and their results: what a push sends to each frontend, and
// the count-down latch that gathers what every frontend reports back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/channel/detail/string_hash.hpp"

namespace pummelo::channel {

enum class push_errc : std::uint8_t {
  ok = 0,
  channel_destroyed,  // the channel was destroyed: nothing was planned
  no_such_channel,
  empty_uids,  // a push by uids with no uids
};

std::string_view to_string(push_errc e) noexcept;

/// What one frontend is asked to deliver.
struct push_group {
  std::string frontend;
  /// The uids to deliver to on that frontend. Empty when whole_channel.
  std::vector<std::string> uids;
  /// Deliver to every local member of the channel (channel pushes carry the
  /// channel's identity, not its member list).
  bool whole_channel = false;
};

struct push_plan {
  push_errc error = push_errc::ok;
  std::vector<push_group> groups;   // one per frontend, no frontend twice
  std::vector<std::string> failed;  // uids known to be undeliverable already
};

/// Gathers the frontends' reports for one plan. Every group must be reported
/// exactly once, as delivered or as failed; a failed group puts all its uids
/// into failed() (pomelo only logged them). complete() tells when all are in.
/// Reports for unknown frontends, or a second report for one, are ignored and
/// return false.
class push_result {
 public:
  explicit push_result(const push_plan& plan);

  /// The frontend delivered to `sessions` sessions; `failed_uids` are the uids
  /// it holds no session for (e.g. they left meanwhile).
  bool delivered(std::string_view frontend, std::size_t sessions,
                 const std::vector<std::string>& failed_uids = {});

  /// The frontend could not be reached: every uid of its group failed. For a
  /// whole-channel group, `channel_uids` lists the channel's uids on it.
  bool group_failed(std::string_view frontend, const std::vector<std::string>& channel_uids = {});

  bool complete() const noexcept { return pending_ == 0; }
  std::size_t pending() const noexcept { return pending_; }
  std::size_t sessions() const noexcept { return sessions_; }
  /// Failed uids: the plan's, then those reported, without duplicates.
  const std::vector<std::string>& failed() const noexcept { return failed_; }
  push_errc error() const noexcept { return error_; }

 private:
  void add_failed(const std::string& uid);

  push_errc error_;
  // Unreported frontends -> index into plan_groups_. Indices, not pointers,
  // so that a copied push_result does not point into the original.
  detail::string_map<std::size_t> unreported_;
  std::vector<push_group> plan_groups_;
  std::size_t pending_ = 0;
  std::size_t sessions_ = 0;
  std::vector<std::string> failed_;
  detail::string_set failed_set_;  // failed_'s contents, for deduplication
};

}  // namespace pummelo::channel
