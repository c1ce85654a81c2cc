#include "event_loop.hpp"

#include <asio/post.hpp>

#include "connection.hpp"
#include "log.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {
namespace {
thread_local event_loop* current_loop = nullptr;
constexpr std::size_t read_buffer_size = 64 * 1024;
}  // namespace

event_loop::event_loop(server& owner, unsigned index)
    : owner_(owner), index_(index), work_(asio::make_work_guard(context_)) {
  read_buffer_.resize(read_buffer_size);
}

event_loop::~event_loop() { join(); }

event_loop* event_loop::current() noexcept { return current_loop; }

void event_loop::start() {
  thread_ = std::thread([this] {
    current_loop = this;
    // One place per loop where an escaped exception is caught: log it and
    // keep serving the other connections rather than abort the process.
    for (;;) {
      try {
        context_.run();
        break;
      } catch (const std::exception& e) {
        log(log_level::error, "loop ", index_, ": unexpected exception: ", e.what());
      }
    }
    current_loop = nullptr;
  });
}

void event_loop::join() {
  if (thread_.joinable()) thread_.join();
}

session* event_loop::find_session(const std::string& client_id) {
  auto it = sessions_by_client_.find(client_id);
  return it == sessions_by_client_.end() ? nullptr : it->second.get();
}

session* event_loop::find_session(channel::session_id id) {
  auto it = sessions_by_id_.find(id);
  return it == sessions_by_id_.end() ? nullptr : it->second;
}

session& event_loop::create_session(const std::string& client_id) {
  channel::session_id id = (next_session_seq_++ << 8) | index_;
  auto s = std::make_unique<session>(*this, id, client_id);
  session& ref = *s;
  sessions_by_id_.emplace(id, s.get());
  sessions_by_client_[client_id] = std::move(s);
  return ref;
}

void event_loop::destroy_session(session& s) {
  for (const auto& [filter, options] : s.subscriptions()) owner_.unsubscribe(filter, s);
  s.subscriptions().clear();
  owner_.unbind_session(s);
  sessions_by_id_.erase(s.id());
  sessions_by_client_.erase(s.client_id());  // frees s
  owner_.release_session();
}

void event_loop::shut_down() {
  asio::post(context_, [this] {
    // Copy: closing a connection removes it from the set.
    auto all = std::vector<std::shared_ptr<connection>>(connections_.begin(), connections_.end());
    for (auto& c : all) c->kick(protocol::reason_code::server_shutting_down, "server shutting down");
    work_.reset();
    // Give DISCONNECTs a moment to leave, then stop whatever timers remain.
    auto grace = std::make_shared<asio::steady_timer>(context_, std::chrono::milliseconds(200));
    grace->async_wait([this, grace](const std::error_code&) { context_.stop(); });
  });
}

}  // namespace pummelo::broker
