#include "server.hpp"

#include "admin/admin_api.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <csignal>
#include <algorithm>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "cluster/services.hpp"
#include "connection.hpp"
#include "descriptor_table.hpp"
#include "session.hpp"
#include "socket_address.hpp"
#include "log.hpp"
#include "sys_publisher.hpp"
#include "tls/tls_context.hpp"

namespace pummelo::broker {
namespace {
// Session ids carry the loop index in 8 bits (event_loop::loop_of).
constexpr unsigned max_loops = 256;

unsigned loops_for(unsigned configured) {
  if (configured > 0) return std::min(configured, max_loops);
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : std::min(n, max_loops);
}
}  // namespace

server::server(config cfg)
    : config_(std::move(cfg)),
      started_at_(clock::now()),
      retained_(config_.limits.max_retained_messages),
      connect_bucket_(config_.limits.connect_rate == 0
                          ? std::nullopt
                          : std::make_optional<token_bucket>(config_.limits.connect_rate,
                                                             config_.limits.connect_burst)),
      login_failures_({.failures_before_delay = config_.auth.failures_before_delay,
                       .first_delay = std::chrono::milliseconds(100),
                       .max_delay = std::chrono::milliseconds(config_.auth.max_failure_delay_ms),
                       .window = std::chrono::seconds(config_.auth.failure_window_s),
                       .max_addresses = config_.auth.max_tracked_addresses}) {
  auto rules = auth::load_rules(config_.auth);
  if (!rules.value) throw std::runtime_error(rules.error);
  codec_limits_.max_packet_size = config_.limits.max_packet_size;
  codec_limits_.max_connect_packet_size = config_.limits.max_connect_packet_size;
  codec_limits_.max_topic_length = config_.limits.max_topic_length;
  codec_limits_.max_topic_levels = config_.limits.max_topic_levels;
  codec_limits_.max_subscriptions_per_packet = config_.limits.max_subscriptions_per_packet;
  codec_limits_.max_user_properties = config_.limits.max_user_properties;
  unsigned n = loops_for(config_.threads);
  for (unsigned i = 0; i < n; ++i) {
    loops_.push_back(std::make_unique<event_loop>(*this, i));
    loops_.back()->set_auth(*rules.value);  // before its thread starts
  }
  cluster_ = std::make_unique<cluster::services>(*this, config_);
}

server::~server() {
  for (auto& l : loops_) {
    l->context().stop();
    l->join();
  }
  cluster_.reset();
}

channel_registry& server::channels() noexcept { return cluster_->frontend().registry(); }

std::uint16_t server::frontend_index() const noexcept {
  return cluster_->topo().self_frontend().value_or(0);
}

event_loop& server::loop_for_client(const std::string& client_id) noexcept {
  return *loops_[std::hash<std::string>{}(client_id) % loops_.size()];
}

bool server::subscribe(const std::string& filter, session& s,
                       const channel::subscription_options& o, cluster::sync_barrier* b) {
  bool is_new;
  {
    std::unique_lock lock(subscriptions_mutex_);
    is_new = subscriptions_.subscribe(filter, s.id(), o);
  }
  if (is_new) cluster_->frontend().join(filter, s.member(), b);
  return is_new;
}

bool server::unsubscribe(const std::string& filter, session& s) {
  bool existed;
  {
    std::unique_lock lock(subscriptions_mutex_);
    existed = subscriptions_.unsubscribe(filter, s.id());
  }
  if (existed) cluster_->frontend().leave(filter, s.member());
  return existed;
}

void server::bind_session(session& s, const std::string& uid, cluster::sync_barrier* b) {
  auto& fe = cluster_->frontend();
  fe.claim(s);
  if (s.bound && uid == s.uid) return;
  if (s.bound) {
    // A resumed session under another uid moves its memberships along.
    const auto old_member = s.member();
    for (const auto& [filter, options] : s.subscriptions()) fe.leave(filter, old_member);
    if (!s.uid.empty()) fe.unbind_uid(s.uid, s.id());
  }
  s.uid = uid;
  s.bound = true;
  if (!s.uid.empty()) fe.bind_uid(s.uid, s.id(), b);
  const auto member = s.member();
  for (const auto& [filter, options] : s.subscriptions()) fe.join(filter, member, b);
}

void server::unbind_session(session& s) {
  auto& fe = cluster_->frontend();
  if (!s.uid.empty()) fe.unbind_uid(s.uid, s.id());
  fe.release(s);
}

std::size_t server::subscription_count() const {
  std::shared_lock lock(subscriptions_mutex_);
  return subscriptions_.size();
}

bool server::try_reserve_connection() noexcept {
  auto n = connections_.load(std::memory_order_relaxed);
  do {
    if (n >= config_.limits.max_connections) return false;
  } while (!connections_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

void server::release_connection() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }

stats_totals server::totals() const {
  stats_totals t;
  for (const auto& l : loops_) t.add(l->stats());
  return t;
}

bool server::try_reserve_push_job() noexcept {
  auto n = push_jobs_.load(std::memory_order_relaxed);
  do {
    if (n >= config_.limits.max_push_jobs) return false;
  } while (!push_jobs_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

bool server::try_reserve_session() noexcept {
  auto n = sessions_.load(std::memory_order_relaxed);
  do {
    if (n >= config_.limits.max_sessions) return false;
  } while (!sessions_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

void server::open_listeners() {
  auto& ctx = loops_[0]->context();
  for (const auto& l : config_.listeners) {
    // A TLS listener's certificate and key load before anything listens.
    const std::string tls_key = "listeners[" + std::to_string(tls_contexts_.size()) + "].tls";
    tls_contexts_.push_back(l.tls ? std::make_unique<tls::server_context>(*l.tls, tls_key)
                                  : nullptr);
    std::error_code ec;
    auto address = asio::ip::make_address(l.host, ec);
    if (ec) throw std::runtime_error("listener host '" + l.host + "' is not an IP address");
    asio::ip::tcp::endpoint ep(address, l.port);
    asio::ip::tcp::acceptor acceptor(ctx);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    // Linux gives accepted sockets the listener's TCP_NODELAY: set once here
    // rather than once per connection.
    if (!ec) acceptor.set_option(asio::ip::tcp::no_delay(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) acceptor.non_blocking(true, ec);  // accept_ready() loops until EAGAIN
    if (!ec) {
      // Every MQTT client speaks first: the kernel completes an accept only
      // once the CONNECT (or a TLS hello) has arrived, so a connection is
      // read at once (connection::start) and a bare handshake costs no
      // descriptor. A client that stays silent is accepted after 1 s anyway,
      // and then timeouts.connect_timeout_ms applies.
      const int defer_s = 1;
      if (::setsockopt(acceptor.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s,
                       sizeof defer_s) != 0)
        ec = std::error_code(errno, std::generic_category());
    }
    if (ec)
      throw std::runtime_error("cannot listen on " + l.host + ":" + std::to_string(l.port) + ": " +
                               ec.message());
    log(log_level::info, "listening for MQTT", l.tls ? " over TLS" : "", " on ", l.host, ":",
        acceptor.local_endpoint().port());
    acceptors_.push_back(std::move(acceptor));
  }
}

void server::accept_next(std::size_t listener) {
  acceptors_[listener].async_wait(asio::ip::tcp::acceptor::wait_read,
                                  [this, listener](const std::error_code& ec) {
                                    if (ec == asio::error::operation_aborted) return;
                                    accept_ready(listener);
                                  });
}

void server::accept_ready(std::size_t listener) {
  // accept4 in a loop rather than Asio's async_accept: Asio would register
  // each socket with its own reactor only for us to take it out again, and
  // a burst of connects is taken in one wake-up. New connections are spread
  // round-robin, one posted batch per loop; after CONNECT each moves to the
  // loop its client id hashes to.
  constexpr int max_accepts_per_wakeup = 256;
  std::vector<std::vector<int>> batches(loops_.size());
  const int lfd = acceptors_[listener].native_handle();
  bool pause = false;
  auto pause_for = std::chrono::milliseconds(100);
  for (int i = 0; i < max_accepts_per_wakeup; ++i) {
    if (connect_bucket_) {
      // limits.connect_rate: the rest wait in the kernel's accept queue.
      if (auto wait = connect_bucket_->take(); wait > clock::duration::zero()) {
        pause = true;
        pause_for = std::max(std::chrono::milliseconds(1),
                             std::chrono::ceil<std::chrono::milliseconds>(wait));
        break;
      }
    }
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    const int fd = ::accept4(lfd, reinterpret_cast<sockaddr*>(&peer), &peer_len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        // Out of descriptors or memory: retrying at once would spin, so
        // pause this listener briefly and let connections close meanwhile.
        log(log_level::warning, "accept failed: ", std::strerror(err), "; pausing accepts for 100 ms");
        pause = true;
        break;
      }
      continue;  // e.g. a peer that reset before accept: only that one
    }
    if (!try_reserve_connection()) {
      loops_[0]->stats().connections_refused.add();
      log(log_level::warning, "refusing connection: limits.max_connections (",
          config_.limits.max_connections, ") reached");
      ::close(fd);
      continue;
    }
    if (config_.limits.max_connections_per_address > 0 &&
        !try_reserve_address(fd, address_of(peer))) {
      release_connection();
      loops_[0]->stats().connections_refused.add();
      log(log_level::info, "refusing connection from ", address_of(peer),
          ": limits.max_connections_per_address (", config_.limits.max_connections_per_address,
          ") reached");
      ::close(fd);
      continue;
    }
    batches[next_accept_loop_].push_back(fd);
    next_accept_loop_ = (next_accept_loop_ + 1) % loops_.size();
  }
  for (std::size_t l = 0; l < batches.size(); ++l) {
    if (batches[l].empty()) continue;
    auto& target = *loops_[l];
    auto* tls = tls_contexts_[listener].get();  // null: plain TCP
    asio::post(target.context(), [&target, fds = std::move(batches[l]), tls] {
      for (int fd : fds) {
        auto c = std::make_shared<connection>(target, fd);
        target.add_connection(c);
        c->start(tls);
      }
    });
  }
  if (pause) {
    auto& timer = *accept_backoff_[listener];
    timer.expires_after(pause_for);
    timer.async_wait([this, listener](const std::error_code& wait_ec) {
      if (!wait_ec) accept_next(listener);
    });
    return;
  }
  accept_next(listener);
}

void server::run() {
  auto& ctx0 = loops_[0]->context();
  // Before the loops run, so a busy RPC port fails the start like a busy
  // MQTT port does.
  admin_ = std::make_unique<admin::admin_service>(*this);
  admin_->start();  // before the links: it answers other servers' questions
  cluster_->start(ctx0);
  open_listeners();
  if (!acceptors_.empty()) {
    // Room for every connection the limits allow (within RLIMIT_NOFILE),
    // plus the listeners, links and files a server keeps open besides.
    constexpr std::size_t other_descriptors = 256;
    reserve_descriptor_table(std::size_t{config_.limits.max_connections} + other_descriptors);
  }
  signals_ = std::make_unique<asio::signal_set>(ctx0, SIGTERM, SIGINT);
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  signals_->async_wait([&](const std::error_code& ec, int sig) {
    if (ec) return;
    log(log_level::info, "signal ", sig, " received: shutting down");
    std::lock_guard lock(done_mutex);
    done = true;
    done_cv.notify_one();
  });
  sys_ = std::make_unique<sys_publisher>(*this, *loops_[0]);
  watch_reload_signal();
  for (std::size_t i = 0; i < acceptors_.size(); ++i)
    accept_backoff_.push_back(std::make_unique<asio::steady_timer>(ctx0));
  for (std::size_t i = 0; i < acceptors_.size(); ++i) accept_next(i);
  for (auto& l : loops_) l->start();
  log(log_level::info, "pummelo started with ", loops_.size(), " event loop(s)");
  {
    std::unique_lock lock(done_mutex);
    done_cv.wait(lock, [&] { return done; });
  }
  shut_down();
}

void server::shut_down() {
  asio::post(loops_[0]->context(), [this] {
    for (auto& a : acceptors_) {
      std::error_code ec;
      a.close(ec);
    }
    sys_->stop();
    admin_->stop();
    cluster_->stop();
    reload_signals_->cancel();
    for (auto& t : accept_backoff_) t->cancel();
    signals_->cancel();
  });
  for (auto& l : loops_) l->shut_down();
  for (auto& l : loops_) l->join();
  log(log_level::info, "pummelo stopped");
}

}  // namespace pummelo::broker
