#include "client_claims.hpp"

namespace pummelo::broker::cluster {

std::optional<client_claims::owner> client_claims::find(const std::string& client_id) const {
  auto it = claims_.find(client_id);
  if (it == claims_.end()) return std::nullopt;
  return it->second.who;
}

void client_claims::link(node& n) {
  const auto f = n.second.who.frontend;
  if (f >= heads_.size()) heads_.resize(std::size_t{f} + 1, nullptr);
  n.second.prev = nullptr;
  n.second.next = heads_[f];
  if (heads_[f]) heads_[f]->second.prev = &n;
  heads_[f] = &n;
}

void client_claims::unlink(node& n) {
  auto& e = n.second;
  if (e.prev) {
    e.prev->second.next = e.next;
  } else {
    heads_[e.who.frontend] = e.next;
  }
  if (e.next) e.next->second.prev = e.prev;
  e.prev = e.next = nullptr;
}

std::optional<client_claims::owner> client_claims::set(const std::string& client_id,
                                                       node_index frontend, std::uint64_t stamp,
                                                       bool by_reclaim) {
  auto [it, fresh] = claims_.try_emplace(client_id, entry{{frontend, stamp, by_reclaim}});
  if (fresh) {
    link(*it);
    return std::nullopt;
  }
  auto& who = it->second.who;
  if (who.frontend == frontend) {
    who.stamp = stamp;
    who.by_reclaim = by_reclaim;
    return std::nullopt;
  }
  const owner before = who;
  unlink(*it);
  who = {frontend, stamp, by_reclaim};
  link(*it);
  return before;
}

bool client_claims::release(const std::string& client_id, node_index frontend, std::uint64_t stamp) {
  auto it = claims_.find(client_id);
  if (it == claims_.end() || it->second.who.frontend != frontend || it->second.who.stamp != stamp)
    return false;
  unlink(*it);
  claims_.erase(it);
  return true;
}

std::size_t client_claims::drop_frontend(node_index frontend) {
  if (frontend >= heads_.size()) return 0;
  std::size_t n = 0;
  for (node* p = heads_[frontend]; p;) {
    node* next = p->second.next;
    claims_.erase(claims_.find(p->first));  // by iterator: the key dies with the node
    p = next;
    ++n;
  }
  heads_[frontend] = nullptr;
  return n;
}

}  // namespace pummelo::broker::cluster
