#include "sys_publisher.hpp"

#include <asio/post.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "cluster/services.hpp"
#include "event_loop.hpp"
#include "server.hpp"
#include "version.hpp"

namespace pummelo::broker {

sys_publisher::sys_publisher(server& s, event_loop& loop)
    : server_(s), loop_(loop), timer_(loop.context()) {
  if (server_.cfg().sys_interval_s == 0) return;
  // First figures right away, so subscribers need not wait a whole interval.
  asio::post(loop_.context(), [this] {
    publish_all();
    schedule();
  });
}

void sys_publisher::stop() {
  timer_.cancel();
}

void sys_publisher::schedule() {
  timer_.expires_after(std::chrono::seconds(server_.cfg().sys_interval_s));
  timer_.async_wait([this](const std::error_code& ec) {
    if (ec) return;
    publish_all();
    schedule();
  });
}

void sys_publisher::publish_all() {
  auto totals = server_.totals();
  auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(clock::now() - server_.started_at()).count();
  auto put = [&](const char* topic, std::string value) {
    auto m = std::make_shared<message>();
    m->topic = topic;
    m->payload = std::move(value);
    m->retain = true;
    server_.publish(m);
  };
  put("$SYS/broker/version", std::string("pummelo ") + pummelo_version);
  put("$SYS/broker/uptime", std::to_string(uptime) + " seconds");
  // Clients whose CONNECT was accepted (Mosquitto's meaning); open TCP
  // connections, including those still before CONNECT, are counted apart.
  put("$SYS/broker/clients/connected", std::to_string(server_.online_count()));
  put("$SYS/broker/connections/open", std::to_string(server_.connection_count()));
  put("$SYS/broker/clients/total", std::to_string(server_.session_count()));
  put("$SYS/broker/messages/received", std::to_string(totals.messages_received));
  put("$SYS/broker/messages/sent", std::to_string(totals.messages_sent));
  put("$SYS/broker/messages/dropped", std::to_string(totals.messages_dropped));
  put("$SYS/broker/publish/messages/dropped", std::to_string(totals.messages_dropped));
  put("$SYS/broker/bytes/received", std::to_string(totals.bytes_received));
  put("$SYS/broker/bytes/sent", std::to_string(totals.bytes_sent));
  put("$SYS/broker/connections/refused", std::to_string(totals.connections_refused));
  put("$SYS/broker/connections/protocol_errors", std::to_string(totals.protocol_errors));
  put("$SYS/broker/clients/auth_failures", std::to_string(totals.auth_failures));
  put("$SYS/broker/clients/auth_delayed", std::to_string(totals.auth_delayed));
  put("$SYS/broker/acl/denied", std::to_string(totals.acl_denied));
  put("$SYS/broker/connections/shed", std::to_string(totals.connects_shed));
  put("$SYS/broker/subscriptions/count", std::to_string(server_.subscription_count()));
  put("$SYS/broker/retained messages/count", std::to_string(server_.retained().size()));
  put("$SYS/broker/channels/count", std::to_string(server_.channels().channel_count()));
  put("$SYS/broker/scheduler/overflow", std::to_string(totals.scheduler_overflow));
  // Cluster: channel servers reachable from here, the calls they made to
  // this frontend (one per publish or push that had members here), and the
  // internal links' traffic (this runs on loop 0, which runs the links).
  auto& cl = server_.cluster();
  const auto& fe = cl.frontend().stats();
  put("$SYS/broker/cluster/channel-servers/connected",
      std::to_string(cl.frontend().channel_servers_up()));
  put("$SYS/broker/cluster/push-frames/received", std::to_string(totals.push_frames_received));
  put("$SYS/broker/cluster/publishes/refused",
      std::to_string(fe.publishes_refused.load(std::memory_order_relaxed)));
  if (const auto* cs = cl.channel()) {
    // The channel server in this process (standalone, or a combined server).
    const auto& s = cs->stats();
    put("$SYS/broker/cluster/channel-server/deliver-calls",
        std::to_string(s.deliver_calls.load(std::memory_order_relaxed)));
    put("$SYS/broker/cluster/channel-server/push-calls",
        std::to_string(s.push_calls.load(std::memory_order_relaxed)));
    put("$SYS/broker/cluster/channel-server/frontend-calls-failed",
        std::to_string(s.frontend_calls_failed.load(std::memory_order_relaxed)));
    put("$SYS/broker/cluster/channel-server/frontends-dropped",
        std::to_string(s.frontends_dropped.load(std::memory_order_relaxed)));
    put("$SYS/broker/cluster/channel-server/channels", std::to_string(cs->channel_count()));
    put("$SYS/broker/cluster/channel-server/uids", std::to_string(cs->uid_count()));
  }
  auto links = cl.links();
  put("$SYS/broker/cluster/link/frames/sent", std::to_string(links.frames_sent));
  put("$SYS/broker/cluster/link/frames/received", std::to_string(links.frames_received));
  put("$SYS/broker/cluster/link/bytes/sent", std::to_string(links.bytes_sent));
  put("$SYS/broker/cluster/link/bytes/received", std::to_string(links.bytes_received));
}

}  // namespace pummelo::broker
