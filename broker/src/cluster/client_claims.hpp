// Which frontend holds each client id's session: a channel server's record
// of the claims sent to it (op_kind::claim / reclaim / release).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/topology.hpp"
#include "pummelo/channel/detail/string_hash.hpp"

namespace pummelo::broker::cluster {

/// Client id -> (frontend, stamp), with each frontend's claims also kept
/// in a list of their own, so that dropping a frontend costs its own
/// clients and not every client of the cluster. Without that list a relink
/// walked all the claims (500k for one of two channel servers of a million
/// sessions), and frontends relinking together stalled the channel server
/// long enough to lose its other links.
class client_claims {
 public:
  struct owner {
    node_index frontend;
    std::uint64_t stamp;      // names that frontend's session (its claim time)
    bool by_reclaim = false;  // set by a snapshot after a relink, not a live claim
  };

  /// The owner of `client_id`, if any.
  std::optional<owner> find(const std::string& client_id) const;

  /// Records that `frontend` holds `client_id` as session `stamp`, replacing
  /// an earlier owner. Returns that earlier owner when it was another
  /// frontend (whose session must now end).
  std::optional<owner> set(const std::string& client_id, node_index frontend, std::uint64_t stamp,
                           bool by_reclaim = false);

  /// Forgets `client_id` when `frontend` and `stamp` still name its owner;
  /// a release that a newer claim overtook changes nothing. True if removed.
  bool release(const std::string& client_id, node_index frontend, std::uint64_t stamp);

  /// Forgets every claim of `frontend`; returns how many.
  std::size_t drop_frontend(node_index frontend);

  std::size_t size() const noexcept { return claims_.size(); }

 private:
  struct entry;
  // string_hash: its nodes keep no cached hash, 16 B less a claim than
  // std::hash<std::string>'s (96 -> 80 B chunks; 500k claims a server).
  using map = std::unordered_map<std::string, entry, channel::detail::string_hash, std::equal_to<>>;
  using node = map::value_type;
  struct entry {
    owner who;
    // Neighbours among the claims of the same frontend. The map's nodes
    // never move (a rehash relinks buckets only), so these stay valid.
    node* prev = nullptr;
    node* next = nullptr;
  };
  void link(node& n);
  void unlink(node& n);

  map claims_;
  std::vector<node*> heads_;  // by frontend index; grown on demand
};

}  // namespace pummelo::broker::cluster
