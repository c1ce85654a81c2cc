// CONNECT handling: validation and CONNACK codes, client id assignment, the
// move to the client id's loop, session takeover and resumption; DISCONNECT.
#include <unistd.h>

#include <cstring>

#include <algorithm>
#include <asio/post.hpp>
#include <random>

#include "cluster/sync_barrier.hpp"
#include "connection.hpp"
#include "event_loop.hpp"
#include "gate_api.hpp"
#include "log.hpp"
#include "server.hpp"
#include "session.hpp"
#include "session_lifecycle.hpp"

namespace pummelo::broker {
namespace {

std::string make_client_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "pummelo-";
  auto bits = rng();
  for (int i = 0; i < 16; ++i, bits >>= 4) id += hex[bits & 0xF];
  return id;
}

constexpr std::size_t v3_1_max_client_id = 23;  // MQTT 3.1 section 3.1

}  // namespace

void connection::refuse_connect(protocol::reason_code reason, std::string_view why,
                                std::optional<std::string> server_reference) {
  protocol::connack_packet ack;
  ack.reason = reason;
  ack.props.server_reference = std::move(server_reference);
  // Before CONNECT is understood the peer's version is uncertain; 3.x gets the
  // 3.x return code (the encoder maps it), v5 the reason code.
  send(ack);
  state_ = state::active;  // so close() logs with the CONNACK already queued
  close(reason, std::string("CONNECT refused: ") + std::string(why), false);
}

void connection::on_connect(protocol::connect_packet&& p, std::vector<std::uint8_t>& rest) {
  version_ = p.protocol_version;
  using rc = protocol::reason_code;
  if (p.props.authentication_method) {
    refuse_connect(rc::bad_authentication_method, "enhanced authentication is not supported");
    return;
  }
  if (server_().overloaded()) {
    loop_->stats().connects_shed.add();
    refuse_connect(version_ == protocol::version::v5 ? rc::server_busy : rc::server_unavailable,
                   "overloaded: an event loop is running late (overload.max_loop_lag_ms)");
    return;
  }
  if (!authenticate(p)) return;
  if (p.client_id.empty()) {
    if (version_ == protocol::version::v3_1 ||
        (version_ == protocol::version::v3_1_1 && !p.clean_start)) {
      refuse_connect(rc::client_identifier_not_valid,
                     "empty client id needs clean session (and MQTT 3.1.1 or later)");
      return;
    }
    p.client_id = make_client_id();
    assigned_client_id_ = true;
  } else if (version_ == protocol::version::v3_1 && p.client_id.size() > v3_1_max_client_id) {
    refuse_connect(rc::client_identifier_not_valid, "MQTT 3.1 client id longer than 23 bytes");
    return;
  }
  if (version_ == protocol::version::v5 && !assigned_client_id_) {
    // (Not for a client id we just made up: it would change on every try.)
    // A cluster with redirect on sends a device to the frontend the gate
    // would have named (MQTT 5 only: 3.1.1 has no way to say where).
    std::string uid =
        server_().cfg().uid_from == uid_source::client_id ? p.client_id : p.username.value_or("");
    if (auto where = redirect_for(server_(), uid)) {
      refuse_connect(rc::use_another_server, "redirected to " + *where, *where);
      return;
    }
  }
  if (p.will) {
    const auth::identity who{p.username ? std::optional<std::string_view>(*p.username) : std::nullopt,
                             p.client_id};
    if (!permitted(auth::action::publish, p.will->topic, who)) {
      refuse_connect(rc::not_authorized, "the ACL does not allow its will topic '" + p.will->topic + "'");
      return;
    }
  }
  event_loop& target = server_().loop_for_client(p.client_id);
  if (&target != loop_) {
    migrate(target, std::move(p), std::move(rest));
    rest.clear();
    return;
  }
  accept_connect(std::move(p));
}

void connection::migrate(event_loop& target, protocol::connect_packet&& p,
                         std::vector<std::uint8_t> rest) {
  // The descriptor moves to a new connection object on the target loop;
  // this one is closed without touching the socket.
  if (polled_) loop_->poller().remove(fd_);
  loop_->deadlines().cancel(*this);
  const int fd = fd_;
  fd_ = -1;
  state_ = state::closed;
  counted_ = false;  // the connection slot moves with the socket
  auto self = shared_from_this();
  loop_->remove_connection(self);
  target.post_batched([&target, self, fd, p = std::move(p), rest = std::move(rest)]() mutable {
    auto c = std::make_shared<connection>(target, fd);
    c->decoder_ = std::move(self->decoder_);
    if (self->x_ && self->x_->tls) c->x().tls = std::move(self->x_->tls);  // TLS session and all
    c->last_activity_ = self->last_activity_;
    c->assigned_client_id_ = self->assigned_client_id_;
    target.add_connection(c);
    c->resume_migrated(std::move(p), std::move(rest));
  });
}

void connection::resume_migrated(protocol::connect_packet&& p, std::vector<std::uint8_t> rest) {
  // Registered with the poller once, with the interest it ends up with: the
  // CONNACK is only written at the end of this turn, after that.
  version_ = p.protocol_version;
  accept_connect(std::move(p));
  if (state_ == state::closed) return;
  reading_ = state_ == state::active && !registering_;
  update_interest();
  read_tls_backlog();
  if (state_ != state::active) return;
  if (registering_) {
    if (!rest.empty()) x().held_input = std::move(rest);  // finish_connect() goes on from there
    return;
  }
  if (!rest.empty()) process_input(rest);
}

void connection::accept_connect(protocol::connect_packet&& p) {
  const auto& lim = server_().cfg().limits;
  bool v5 = version_ == protocol::version::v5;
  protocol::connack_packet ack;

  keep_alive_s_ = p.keep_alive;
  if (keep_alive_s_ > lim.max_keep_alive_s) {
    keep_alive_s_ = lim.max_keep_alive_s;
    if (v5) ack.props.server_keep_alive = keep_alive_s_;
  }
  std::uint32_t expiry = 0;
  if (v5) {
    expiry = p.props.session_expiry_interval.value_or(0);
    connect_expiry_zero_ = expiry == 0;
    client_receive_maximum_ = p.props.receive_maximum.value_or(65535);
    client_max_packet_size_ = p.props.maximum_packet_size.value_or(0xFFFFFFFF);
    if (expiry > lim.max_session_expiry_s) {
      expiry = lim.max_session_expiry_s;
      ack.props.session_expiry_interval = expiry;
    }
  } else {
    expiry = p.clean_start ? 0 : lim.max_session_expiry_s;
  }
  will_ = p.will ? std::make_unique<protocol::will_message>(std::move(*p.will)) : nullptr;

  session* s = loop_->find_session(p.client_id);
  if (!s && !server_().try_reserve_session()) {
    refuse_connect(
        v5 ? protocol::reason_code::quota_exceeded : protocol::reason_code::server_unavailable,
        "limits.max_sessions reached");
    return;
  }
  if (s) {
    if (auto* old = s->current_connection()) old->take_over();
    // A session that was to end with its connection is not resumed.
    if (p.clean_start || s->expiry_interval_s == 0) {
      end_session(*loop_, *s);  // releases its slot...
      s = nullptr;
      if (!server_().try_reserve_session()) {  // ...which the new one takes
        refuse_connect(
            v5 ? protocol::reason_code::quota_exceeded : protocol::reason_code::server_unavailable,
            "limits.max_sessions reached");
        return;
      }
    } else {
      ack.session_present = true;
    }
  }
  if (!s) s = &loop_->create_session(p.client_id);
  s->expiry_interval_s = expiry;
  s->version = version_;
  const auto& cfg = server_().cfg();
  std::string uid = cfg.uid_from == uid_source::client_id ? p.client_id : p.username.value_or("");
  // "$client/..." names unbound sessions in channels; such a uid stays unbound.
  if (uid.rfind("$client/", 0) == 0) uid.clear();
  // CONNACK waits until the channel servers know the session's uid (and,
  // for a resumed session, its memberships), so that a push by uid from
  // any frontend right after it reaches this session.
  auto barrier = std::make_shared<cluster::sync_barrier>();
  server_().bind_session(*s, uid, barrier.get());
  s->set_username(p.username);
  session_ = s;
  state_ = state::active;

  if (v5) {
    if (assigned_client_id_) ack.props.assigned_client_identifier = p.client_id;
    ack.props.topic_alias_maximum = lim.topic_alias_maximum;
    ack.props.receive_maximum = lim.max_incoming_qos2;
    ack.props.maximum_packet_size = lim.max_packet_size;
    ack.props.retain_available = 1;
    ack.props.wildcard_subscription_available = 1;
    ack.props.subscription_identifier_available = 1;
    ack.props.shared_subscription_available = 1;
  }
  registering_ = true;
  in_accept_ = true;
  barrier->arm([self = shared_from_this(), ack = std::move(ack)] {
    event_loop* loop = self->loop_;
    if (event_loop::current() == loop) {
      self->finish_connect(ack);
    } else {
      asio::post(loop->context(), [self, ack] { self->finish_connect(ack); });
    }
  });
  in_accept_ = false;
  if (registering_) {
    // Input waits for the CONNACK (finish_connect() reads on).
    reading_ = false;
    update_interest();
  }
}

void connection::finish_connect(const protocol::connack_packet& ack) {
  // Inline (nothing to wait for): the caller goes on reading as usual.
  bool deferred = !in_accept_;
  registering_ = false;
  if (state_ != state::active || !session_) return;
  send(ack);
  if (log_enabled(log_level::debug))
    log(log_level::debug, "client ", session_->client_id(), " ", peer(), " connected (MQTT ",
      static_cast<int>(version_), ", keep-alive ", keep_alive_s_, " s, session ",
      ack.session_present ? "resumed" : "new", ")");
  session_->attach(*this);
  if (state_ != state::active) return;
  arm_timer();
  if (!deferred) return;
  // Packets the client sent right after CONNECT waited for the CONNACK.
  std::vector<std::uint8_t> held;
  if (x_) held.swap(x_->held_input);
  if (!held.empty()) process_input(held);
  if (state_ == state::active) start_read();
}

void connection::on_disconnect(const protocol::disconnect_packet& p) {
  using rc = protocol::reason_code;
  if (version_ == protocol::version::v5 && session_) {
    if (p.props.session_expiry_interval) {
      // v5 3.14.2.2.2: a session that was to end with the connection cannot be
      // given an expiry at DISCONNECT.
      if (connect_expiry_zero_ && *p.props.session_expiry_interval != 0) {
        close(rc::protocol_error, "DISCONNECT set a session expiry after CONNECT had none");
        return;
      }
      session_->expiry_interval_s =
          std::min(*p.props.session_expiry_interval, server_().cfg().limits.max_session_expiry_s);
    }
  }
  // Reason 0x04 asks for the will anyway; any other clean DISCONNECT drops it.
  if (p.reason != rc::disconnect_with_will_message) will_suppressed_ = true;
  close(rc::success, "client disconnected", false);
}

void connection::end_session_link() {
  if (!session_) return;
  session* s = session_;
  session_ = nullptr;
  std::optional<protocol::will_message> w;
  if (!will_suppressed_ && will_) w = std::move(*will_);
  will_.reset();
  connection_lost(*loop_, *s, std::move(w), taken_over_);
}

}  // namespace pummelo::broker
