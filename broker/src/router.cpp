// Routing a published message: match the subscription tree once, group the
// matches by the loop that owns each session, and hand each loop its share in
// one posted batch (pomelo's one-RPC-per-frontend, applied to threads).
#include <asio/post.hpp>

#include <algorithm>
#include <mutex>
#include <vector>

#include "cluster/services.hpp"
#include "delivery.hpp"
#include "server.hpp"

namespace pummelo::broker {

void server::route(const message_ptr& m) {
  std::vector<std::vector<channel::subscriber>> per_loop(loops_.size());
  {
    std::shared_lock lock(subscriptions_mutex_);
    subscriptions_.match(m->topic, [&](const channel::subscriber& s) {
      per_loop[event_loop::loop_of(s.session)].push_back(s);
    });
  }
  event_loop* here = event_loop::current();
  for (unsigned i = 0; i < per_loop.size(); ++i) {
    if (per_loop[i].empty()) continue;
    if (here && here->index() == i) {
      here->deliveries().push(m, std::move(per_loop[i]));
    } else {
      auto& target = *loops_[i];
      asio::post(target.context(), [&target, m, batch = std::move(per_loop[i])]() mutable {
        target.deliveries().push(m, std::move(batch));
      });
    }
  }
}

void server::publish(const message_ptr& m, cluster::done_fn done) {
  // Retained messages are stored by each frontend when the channel server
  // hands them back (cluster::frontend_node::deliver).
  cluster_->frontend().publish(m, std::move(done));
}

}  // namespace pummelo::broker
