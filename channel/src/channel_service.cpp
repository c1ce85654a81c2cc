// channel_service: channels by name.
#include "pummelo/channel/channel_service.hpp"

#include <algorithm>

namespace pummelo::channel {

channel& channel_service::create(std::string_view name) {
  auto it = channels_.find(name);
  if (it == channels_.end()) {
    it = channels_.try_emplace(std::string(name), std::make_unique<channel>(std::string(name)))
             .first;
  }
  return *it->second;
}

channel* channel_service::get(std::string_view name, bool create) {
  if (create) return &this->create(name);
  const auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : it->second.get();
}

const channel* channel_service::get(std::string_view name) const {
  const auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : it->second.get();
}

bool channel_service::destroy(std::string_view name) {
  const auto it = channels_.find(name);
  if (it == channels_.end()) return false;
  // Mark it destroyed first, as pomelo's Channel.destroy did, so that anyone
  // still holding it is refused rather than served from a forgotten channel.
  it->second->destroy();
  channels_.erase(it);
  return true;
}

std::vector<std::string> channel_service::names(std::string_view prefix, std::size_t limit) const {
  std::vector<std::string> out;
  for (const auto& entry : channels_) {
    if (entry.first.starts_with(prefix)) out.push_back(entry.first);
  }
  // Only the first `limit` need sorting.
  const std::size_t keep = std::min(limit, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end());
  out.resize(keep);
  return out;
}

}  // namespace pummelo::channel
