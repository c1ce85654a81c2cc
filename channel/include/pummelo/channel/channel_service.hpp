// pomelo's ChannelService: the channels of one channel server, by name, plus
// the plans that are not tied to one channel (push by explicit uid records,
// broadcast to every frontend).
//
// Pure data: no I/O, no clocks, no threads. Not thread-safe; the owner locks.
#pragma once

#include <cstddef>
#include <cstdint>  // SIZE_MAX
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/channel/channel.hpp"
#include "pummelo/channel/detail/string_hash.hpp"
#include "pummelo/channel/push_plan.hpp"

namespace pummelo::channel {

class channel_service {
 public:
  /// Returns the channel, creating it when absent (pomelo's createChannel).
  channel& create(std::string_view name);

  /// The channel, or nullptr; with create = true behaves like create().
  channel* get(std::string_view name, bool create = false);
  /// The channel, or nullptr (for readers holding a const service).
  const channel* get(std::string_view name) const;

  /// Destroys and forgets the channel; false when there was none. References
  /// obtained earlier must not be used afterwards.
  bool destroy(std::string_view name);

  std::size_t size() const noexcept { return channels_.size(); }

  /// Names of the channels, optionally only those starting with `prefix`,
  /// sorted, at most `limit` of them.
  std::vector<std::string> names(std::string_view prefix = {}, std::size_t limit = SIZE_MAX) const;

  /// pomelo's ChannelService.pushMessageByUids: records of (uid, frontend)
  /// grouped into one group per frontend. Empty input is push_errc::empty_uids.
  static push_plan plan_by_records(std::span<const member> records);

  /// pomelo's broadcast: one whole-channel-style group per listed frontend.
  static push_plan plan_broadcast(std::span<const std::string> frontends);

 private:
  detail::string_map<std::unique_ptr<channel>> channels_;
};

}  // namespace pummelo::channel
