#include "retained_store.hpp"

#include <vector>

#include "pummelo/protocol/topic.hpp"

namespace pummelo::broker {

retained_store::store_result retained_store::store(const message_ptr& m) {
  std::lock_guard lock(mutex_);
  if (m->payload.empty()) {
    messages_.erase(m->topic);
    return store_result::cleared;
  }
  auto it = messages_.find(m->topic);
  if (it != messages_.end()) {
    it->second = m;
    return store_result::stored;
  }
  if (messages_.size() >= max_messages_) return store_result::full;
  messages_.emplace(m->topic, m);
  return store_result::stored;
}

void retained_store::match(std::string_view filter, clock::time_point now,
                           const std::function<void(const message_ptr&)>& visit) {
  // Collect under the lock, deliver outside it: delivery may take other locks.
  std::vector<message_ptr> found;
  {
    std::lock_guard lock(mutex_);
    // A linear scan: retained sets are modest and new subscriptions rare next
    // to publishes. A topic trie would make this proportional to matches.
    for (auto it = messages_.begin(); it != messages_.end();) {
      if (it->second->expired(now)) {
        it = messages_.erase(it);
        continue;
      }
      if (protocol::topic_matches(filter, it->first)) found.push_back(it->second);
      ++it;
    }
  }
  for (const auto& m : found) visit(m);
}

std::size_t retained_store::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

}  // namespace pummelo::broker
