// Retained messages by topic. Shared by all loops behind a mutex: writes are
// rare (retained publishes) and reads happen once per new subscription.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "message.hpp"

namespace pummelo::broker {

class retained_store {
 public:
  explicit retained_store(std::uint32_t max_messages) : max_messages_(max_messages) {}

  enum class store_result { stored, cleared, full };
  /// Stores `m` (an empty payload clears the topic). Refuses new topics
  /// beyond the configured maximum; replacing an existing topic always works.
  store_result store(const message_ptr& m);

  /// Calls visit(message_ptr) for every unexpired retained message whose
  /// topic matches `filter`. Expired ones are removed.
  void match(std::string_view filter, clock::time_point now,
             const std::function<void(const message_ptr&)>& visit);

  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, message_ptr, std::less<>> messages_;
  std::uint32_t max_messages_;
};

}  // namespace pummelo::broker
