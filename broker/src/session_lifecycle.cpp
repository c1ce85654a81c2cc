#include "session_lifecycle.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "event_loop.hpp"
#include "log.hpp"
#include "push_request.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

void publish_will(event_loop& loop, protocol::will_message&& w, std::uint64_t origin) {
  // $SYS and $push are the broker's own namespaces, for wills as for publishes.
  if (is_sys_topic(w.topic) || is_push_topic(w.topic)) return;
  auto m = std::make_shared<message>();
  m->topic = std::move(w.topic);
  m->payload = std::move(w.payload);
  m->qos = w.qos;
  m->retain = w.retain;
  m->origin = origin;
  m->origin_frontend = loop.owner().frontend_index();
  if (w.props.message_expiry_interval)
    m->expires_at = clock::now() + std::chrono::seconds(*w.props.message_expiry_interval);
  m->props = std::move(w.props);
  m->props.will_delay_interval.reset();
  m->props.message_expiry_interval.reset();
  log(log_level::debug, "publishing will on '", m->topic, "'");
  loop.owner().publish(m);
}

void end_session(event_loop& loop, session& s) {
  if (auto* off = s.offline_if_any(); off && off->delayed_will) {
    auto w = std::move(*off->delayed_will);
    off->delayed_will.reset();
    publish_will(loop, std::move(w), s.id());
  }
  s.clear_offline_state();
  loop.destroy_session(s);
}

void connection_lost(event_loop& loop, session& s, std::optional<protocol::will_message> will,
                     bool taken_over) {
  s.detach();
  if (s.expiry_interval_s == 0 && !taken_over) {
    if (will) publish_will(loop, std::move(*will), s.id());
    end_session(loop, s);
    return;
  }
  if (will) {
    std::uint32_t delay = will->props.will_delay_interval.value_or(0);
    if (delay == 0) {
      publish_will(loop, std::move(*will), s.id());
    } else {
      // v5 3.1.3.2.2: sent when the delay passes or the session ends, if earlier.
      auto& off = s.offline_state();
      off.delayed_will = std::move(will);
      off.will_timer.expires_after(std::chrono::seconds(delay));
      auto id = s.id();
      off.will_timer.async_wait([&loop, id](const std::error_code& ec) {
        if (ec) return;
        session* live = loop.find_session(id);
        auto* o = live ? live->offline_if_any() : nullptr;
        if (!o || !o->delayed_will) return;
        auto w = std::move(*o->delayed_will);
        o->delayed_will.reset();
        publish_will(loop, std::move(w), id);
      });
    }
  }
  if (!taken_over && s.expiry_interval_s != 0xFFFFFFFF) {
    auto& off = s.offline_state();
    off.expiry_timer.expires_after(std::chrono::seconds(s.expiry_interval_s));
    auto id = s.id();
    off.expiry_timer.async_wait([&loop, id](const std::error_code& ec) {
      if (ec) return;
      session* live = loop.find_session(id);
      if (!live || live->online()) return;
      log(log_level::debug, "session ", live->client_id(), " expired");
      end_session(loop, *live);
    });
  }
}

}  // namespace pummelo::broker
