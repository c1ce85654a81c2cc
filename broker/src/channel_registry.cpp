#include "channel_registry.hpp"

#include <algorithm>

namespace pummelo::broker {
namespace {
std::string ref_key(const std::string& filter, const std::string& member) {
  std::string key;
  key.reserve(filter.size() + 1 + member.size());
  key.append(filter).push_back('\0');  // '\0' appears in neither (UTF-8 rules)
  key.append(member);
  return key;
}
}  // namespace

std::string channel_registry::member_name(const std::string& uid, const std::string& client_id) {
  return uid.empty() ? "$client/" + client_id : uid;
}

bool channel_registry::join(const std::string& filter, const std::string& member) {
  std::lock_guard lock(mutex_);
  if (refs_[ref_key(filter, member)]++ != 0) return false;
  ++channel_sizes_[filter];
  return true;
}

bool channel_registry::leave(const std::string& filter, const std::string& member) {
  std::lock_guard lock(mutex_);
  auto it = refs_.find(ref_key(filter, member));
  if (it == refs_.end()) return false;
  if (--it->second > 0) return false;
  refs_.erase(it);
  if (auto c = channel_sizes_.find(filter); c != channel_sizes_.end() && --c->second == 0)
    channel_sizes_.erase(c);
  return true;
}

bool channel_registry::bind_uid(const std::string& uid, channel::session_id s) {
  std::lock_guard lock(mutex_);
  auto& sessions = sessions_by_uid_[uid];
  return sessions.insert(s).second && sessions.size() == 1;
}

bool channel_registry::unbind_uid(const std::string& uid, channel::session_id s) {
  std::lock_guard lock(mutex_);
  auto it = sessions_by_uid_.find(uid);
  if (it == sessions_by_uid_.end()) return false;
  if (it->second.erase(s) == 0) return false;
  if (!it->second.empty()) return false;
  sessions_by_uid_.erase(it);
  return true;
}

void channel_registry::for_each_membership(
    const std::function<void(const std::string&, const std::string&)>& f) const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, count] : refs_) {
    auto cut = key.find('\0');
    f(key.substr(0, cut), key.substr(cut + 1));
  }
}

void channel_registry::for_each_uid(const std::function<void(const std::string&)>& f) const {
  std::lock_guard lock(mutex_);
  for (const auto& [uid, sessions] : sessions_by_uid_) f(uid);
}

std::unordered_map<std::string, std::vector<channel::session_id>> channel_registry::local_sessions(
    std::span<const std::string> uids) const {
  std::lock_guard lock(mutex_);
  std::unordered_map<std::string, std::vector<channel::session_id>> out;
  for (const auto& u : uids) {
    auto it = sessions_by_uid_.find(u);
    if (it != sessions_by_uid_.end())
      out.emplace(u, std::vector<channel::session_id>(it->second.begin(), it->second.end()));
  }
  return out;
}

std::size_t channel_registry::channel_count() const {
  std::lock_guard lock(mutex_);
  return channel_sizes_.size();
}

std::vector<channel::member> channel_registry::members(const std::string& filter) const {
  std::lock_guard lock(mutex_);
  // A scan: for tests and operators, never on a hot path.
  std::vector<channel::member> out;
  const std::string prefix = filter + '\0';
  for (const auto& [key, count] : refs_)
    if (key.compare(0, prefix.size(), prefix) == 0)
      out.push_back(channel::member{key.substr(prefix.size()), frontend_});
  return out;
}

}  // namespace pummelo::broker
