#include "event_loop.hpp"

#include <asio/post.hpp>

#include <algorithm>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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
  poller_.start();
  tick_deadlines();
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

std::size_t event_loop::client_id_hash::operator()(const std::unique_ptr<session>& s) const {
  return (*this)(std::string_view(s->client_id()));
}

bool event_loop::client_id_equal::operator()(std::string_view id,
                                             const std::unique_ptr<session>& s) const noexcept {
  return id == s->client_id();
}

session* event_loop::find_session(const std::string& client_id) {
  auto it = sessions_.find(std::string_view(client_id));
  return it == sessions_.end() ? nullptr : it->get();
}

session* event_loop::find_session(channel::session_id id) {
  const std::size_t slot = (id >> 8) & (max_slots - 1);
  if (slot >= slots_.size()) return nullptr;
  session* s = slots_[slot];
  return s && s->id() == id ? s : nullptr;
}

session& event_loop::create_session(const std::string& client_id) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    // limits.max_sessions is checked before this, and is far below 2^24 per loop.
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(nullptr);
  }
  const std::uint64_t generation = next_session_seq_++ & 0xFFFFFFFFu;
  channel::session_id id = (generation << 32) | (std::uint64_t{slot} << 8) | index_;
  auto s = std::make_unique<session>(*this, id, client_id);
  session& ref = *s;
  slots_[slot] = s.get();
  sessions_.insert(std::move(s));
  return ref;
}

void event_loop::destroy_session(session& s) {
  for (const auto& [filter, options] : s.subscriptions()) owner_.unsubscribe(filter, s);
  s.clear_subscriptions();
  owner_.unbind_session(s);
  const auto slot = static_cast<std::uint32_t>((s.id() >> 8) & (max_slots - 1));
  slots_[slot] = nullptr;
  free_slots_.push_back(slot);
  auto it = sessions_.find(std::string_view(s.client_id()));
  if (it != sessions_.end()) sessions_.erase(it);  // frees s
  owner_.release_session();
}

void event_loop::remove_connection(const std::shared_ptr<connection>& c) {
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  retired_.push_back(*it);
  connections_.erase(it);
  post_end_turn();
}

void event_loop::post_batched(std::function<void()> f) {
  bool first;
  {
    std::lock_guard lock(inbox_mutex_);
    first = inbox_.empty();
    inbox_.push_back(std::move(f));
  }
  if (!first) return;  // the drain already posted will run it
  asio::post(context_, [this] {
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lock(inbox_mutex_);
      tasks.swap(inbox_);
    }
    for (auto& t : tasks) t();
  });
}

void event_loop::request_flush(connection& c) {
  flush_list_.push_back(&c);
  post_end_turn();
}

void event_loop::post_end_turn() {
  if (end_turn_posted_) return;
  end_turn_posted_ = true;
  asio::post(context_, [this] { end_turn(); });
}

bool event_loop::hold_flush() {
  // Slices of a fan-out still queued add to the same connections: writing
  // now would send one message per write, and the rest in later writes.
  // Held a bounded number of turns, so a publisher that keeps the queue
  // busy cannot hold the writes back for good.
  if (deliveries_.pending_messages() == 0 || flush_holds_ >= owner_.cfg().scheduler.max_flush_holds) {
    flush_holds_ = 0;
    return false;
  }
  ++flush_holds_;
  return true;
}

void event_loop::end_turn() {
  end_turn_posted_ = false;
  if (flushing_.empty()) {  // a new round
    if (hold_flush()) {
      post_end_turn();  // behind the next slice
      return;
    }
    flushing_.swap(flush_list_);  // keeps both capacities for the next fan-outs
    retiring_ = std::move(retired_);
    retired_.clear();
  }
  const auto per_turn = owner_.cfg().scheduler.max_writes_per_turn;
  const std::size_t end = per_turn == 0 ? flushing_.size() : std::min(flushing_.size(), flushed_ + per_turn);
  while (flushed_ < end) flushing_[flushed_++]->flush_now();
  if (flushed_ < flushing_.size()) {
    post_end_turn();  // the rest after the loop's other work
    return;
  }
  retiring_.clear();  // no list names them now
  flushing_.clear();
  flushed_ = 0;
  if (flushing_.capacity() > 4096) std::vector<connection*>().swap(flushing_);  // after a huge fan-out
  if (!flush_list_.empty() || !retired_.empty()) post_end_turn();
}

bool event_loop::lagging(clock::time_point now) const noexcept {
  const auto& o = owner_.cfg().overload;
  const auto last = clock::time_point(clock::duration(last_tick_.load(std::memory_order_relaxed)));
  if (last != clock::time_point{} &&
      now - last > deadline_wheel::tick + std::chrono::milliseconds(o.max_loop_lag_ms))
    return true;  // the tick is overdue right now: the loop is stuck
  return now.time_since_epoch().count() < lagging_until_.load(std::memory_order_relaxed);
}

void event_loop::tick_deadlines() {
  const auto now = clock::now();
  // How late this tick came is how long the loop's queue took to get here.
  const auto& o = owner_.cfg().overload;
  const auto last = clock::time_point(clock::duration(last_tick_.load(std::memory_order_relaxed)));
  if (o.max_loop_lag_ms > 0 && last != clock::time_point{} &&
      now - last > deadline_wheel::tick + std::chrono::milliseconds(o.max_loop_lag_ms)) {
    lagging_until_.store((now + std::chrono::milliseconds(o.shed_for_ms)).time_since_epoch().count(),
                         std::memory_order_relaxed);
    log(log_level::warning, "loop ", index_, " ran ",
        std::chrono::duration_cast<std::chrono::milliseconds>(now - last - deadline_wheel::tick).count(),
        " ms late: shedding new connections for ", o.shed_for_ms, " ms (overload.max_loop_lag_ms)");
  }
  last_tick_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  deadlines_.advance(now, [](deadline_wheel::entry& e) {
    static_cast<connection&>(e).on_deadline();
  });
#ifdef __GLIBC__
  // glibc keeps memory freed by the loop threads in their arenas: after a
  // burst of queued messages (a million in flight is a gigabyte) the
  // resident set would stay at its peak for good. Hand free pages back now
  // and then; one loop does it for all (malloc_trim walks every arena).
  if (index_ == 0 && now - last_trim_ >= trim_interval) {
    last_trim_ = now;
    ::malloc_trim(0);
  }
#endif
  deadline_timer_.expires_after(deadline_wheel::tick);
  deadline_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) tick_deadlines();
  });
}

void event_loop::shut_down() {
  asio::post(context_, [this] {
    // Copy: closing a connection removes it from the set.
    auto all = std::vector<std::shared_ptr<connection>>(connections_.begin(), connections_.end());
    for (auto& c : all) c->kick(protocol::reason_code::server_shutting_down, "server shutting down");
    work_.reset();
    poller_.stop();
    // Give DISCONNECTs a moment to leave, then stop whatever timers remain.
    auto grace = std::make_shared<asio::steady_timer>(context_, std::chrono::milliseconds(200));
    grace->async_wait([this, grace](const std::error_code&) {
      deadline_timer_.cancel();
      context_.stop();
    });
  });
}

}  // namespace pummelo::broker
