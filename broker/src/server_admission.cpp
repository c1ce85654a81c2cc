// Who gets in while the broker is busy: connections per source address, and
// the overload test that sheds new CONNECTs before existing sessions suffer.
// (The connect rate is applied where connections are accepted: accept_ready.)
#include "server.hpp"

namespace pummelo::broker {

bool server::try_reserve_address(int fd, const std::string& address) {
  const auto limit = config_.limits.max_connections_per_address;
  if (limit == 0) return true;
  std::lock_guard lock(addresses_mutex_);
  auto& n = connections_per_address_[address];
  if (n >= limit) {
    if (n == 0) connections_per_address_.erase(address);
    return false;
  }
  ++n;
  // By descriptor: the peer's address cannot be asked for again once it
  // has reset, and the descriptor stays the same when the connection moves
  // to another loop. It is released before the descriptor is closed, so a
  // new connection that gets the same number finds it free.
  address_of_fd_[fd] = address;
  return true;
}

void server::release_address(int fd) {
  if (config_.limits.max_connections_per_address == 0) return;
  std::lock_guard lock(addresses_mutex_);
  auto owner = address_of_fd_.find(fd);
  if (owner == address_of_fd_.end()) return;
  auto it = connections_per_address_.find(owner->second);
  address_of_fd_.erase(owner);
  if (it == connections_per_address_.end()) return;
  if (--it->second == 0) connections_per_address_.erase(it);  // the table holds live addresses only
}

bool server::overloaded() const noexcept {
  if (config_.overload.max_loop_lag_ms == 0) return false;
  const auto now = clock::now();
  for (const auto& l : loops_)
    if (l->lagging(now)) return true;
  return false;
}

}  // namespace pummelo::broker
