// One internal RPC link: a persistent TCP connection between two pummelo
// servers (frontend, channel server, gate) carrying the frames of
// pummelo/protocol/rpc_frame.hpp. Either end may call the other.
//
// Threading: a link lives on one asio::io_context (the caller's event loop)
// and every member function must be called on that loop's thread. Only
// stats() may be read from other threads.
//
// Name it rpc::link (or with a using-alias) outside this namespace: after
// `using namespace`, a bare `link` collides with POSIX ::link() from unistd.h.
//
// Guarantees of call(): its callback runs exactly once, never inside call()
// or close() themselves (failures found there are posted to the loop):
//   - with the peer's status and payload when the response arrives;
//   - status::timeout when the deadline passes first;
//   - status::overloaded when the bounded outbound queue is full;
//   - status::error when the link is or gets closed before a response.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pummelo/protocol/rpc_frame.hpp"
#include "stats.hpp"

namespace pummelo::broker::rpc {

namespace wire = pummelo::protocol::rpc;
using status = wire::status;
using steady = std::chrono::steady_clock;

struct link_options {
  std::string server_id = "pummelo";  // sent in our hello; must be non-empty UTF-8
  // Back-pressure on call(): requests accepted but not yet written to the
  // socket (including those held until the handshake completes).
  std::size_t max_queued_requests = 1024;
  std::size_t max_queued_bytes = 1u << 20;
  // Calls awaiting a response, written or not: bounds the pending table.
  std::size_t max_pending_calls = 65536;
  // Hard cap on all queued output (responses, heartbeats too). Reaching it
  // means the peer stopped reading: the link is closed.
  std::size_t max_write_queue_bytes = 8u << 20;
  std::uint32_t max_frame_size = 16u << 20;  // inbound and outbound
  std::chrono::milliseconds heartbeat_interval{1000};
  // Nothing received for this long closes the link. Also the deadline for
  // connecting plus the handshake.
  std::chrono::milliseconds heartbeat_timeout{5000};
  std::uint16_t hello_version = wire::protocol_version;  // tests only: fake a peer
};

/// Per-link counters; the link's loop is the single writer.
struct link_stats {
  counter frames_sent;
  counter bytes_sent;
  counter frames_received;
  counter bytes_received;
  counter writes;             // socket writes (each may carry many frames)
  counter calls_overloaded;   // calls refused by back-pressure
  counter calls_timed_out;
  counter late_responses;     // responses to calls that already timed out
};

/// Result of a call. `payload` is only valid during the callback.
using call_callback = std::function<void(status, std::span<const std::uint8_t> payload)>;

class link;

/// Answers one inbound request. Copies share one state: only the first
/// invocation across all of them sends anything. Responding after the link
/// closed is a no-op. If every copy is destroyed without responding, the
/// peer gets status::error ("request dropped"), so no request is silently
/// lost on this side either.
class responder {
 public:
  responder() = default;
  /// Queues the response; false when already answered or the link is gone.
  bool operator()(status st, std::span<const std::uint8_t> payload = {}) const;
  /// A non-ok status with a text message as payload.
  bool fail(status st, std::string_view message) const;
  bool answered() const noexcept;

 private:
  friend class link;
  struct state;
  explicit responder(std::shared_ptr<state> s) : state_(std::move(s)) {}
  std::shared_ptr<state> state_;
};

using request_handler =
    std::function<void(std::uint16_t method, std::span<const std::uint8_t> payload, responder)>;

class link : public std::enable_shared_from_this<link> {
 public:
  enum class role : std::uint8_t { connector, acceptor };
  enum class state : std::uint8_t { idle, connecting, handshaking, established, closed };

  static std::shared_ptr<link> create(asio::io_context& io, role r, link_options opts);
  ~link();
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  // Handlers: set before start()/connect(). They must not own a shared_ptr
  // to this link (that would be a cycle); capture a weak_ptr instead.
  void set_request_handler(request_handler h) { request_handler_ = std::move(h); }
  void set_established_handler(std::function<void(link&)> h) { established_handler_ = std::move(h); }
  /// Runs once, inside close(), after pending calls were failed.
  void set_closed_handler(std::function<void(link&)> h) { closed_handler_ = std::move(h); }

  /// Runs the link over an already connected socket (accepted or connected by
  /// the caller). A connector sends its hello now. Precondition: state idle.
  void start(asio::ip::tcp::socket socket);
  /// Connector only: resolves and connects, then starts. Failure closes the
  /// link. Precondition: state idle.
  void connect(const std::string& host, std::uint16_t port);

  /// Sends a request; see the file comment for the callback guarantees.
  /// Returns false when the call was refused at once (its callback is posted
  /// with overloaded or error). Requests made before the handshake completes
  /// are held (within the same bounds) and sent once it does.
  bool call(std::uint16_t method, std::span<const std::uint8_t> payload,
            std::chrono::milliseconds timeout, call_callback cb);

  /// Closes now: pending calls get status::error, queued output is dropped.
  /// Idempotent; `why` is logged and kept as close_reason().
  void close(std::string_view why);

  state current_state() const noexcept { return state_; }
  bool established() const noexcept { return state_ == state::established; }
  bool closed() const noexcept { return state_ == state::closed; }
  bool was_established() const noexcept { return was_established_; }
  role link_role() const noexcept { return role_; }
  /// The peer's server id from its hello (empty before the handshake).
  const std::string& peer_id() const noexcept { return peer_id_; }
  const std::string& close_reason() const noexcept { return close_reason_; }
  std::size_t pending_calls() const noexcept { return calls_.size(); }
  const link_stats& stats() const noexcept { return stats_; }

 private:
  friend class responder;

  // Frames encoded back to back in one vector: a whole batch leaves in one
  // socket write, and request counts let back-pressure see what is unwritten.
  struct batch {
    std::vector<std::uint8_t> bytes;
    std::size_t frames = 0;
    std::size_t requests = 0;
    std::size_t request_bytes = 0;
    void reset() noexcept;
  };
  struct pending_call {
    call_callback cb;
    steady::time_point deadline;
  };

  link(asio::io_context& io, role r, link_options opts);

  // link.cpp: lifecycle, reading, handshake, dispatch
  void on_connected();
  void start_read();
  void on_readable();
  void process_input(std::span<const std::uint8_t> bytes);
  void handle_frame(wire::frame& f);
  void on_hello(const wire::frame& f);
  void on_hello_ack(const wire::frame& f);
  void on_request(const wire::frame& f);
  void on_response(const wire::frame& f);
  void become_established();
  void close_with(std::string why, std::vector<std::uint8_t> last_words);
  std::string describe() const;

  // link_calls.cpp: calls, deadlines, responses, heartbeats, writing
  bool refuse(call_callback& cb, status st);
  void add_deadline(steady::time_point at, std::uint64_t id);
  void arm_call_timer(steady::time_point at);
  void on_call_timer();
  bool send_response(std::uint64_t id, status st, std::span<const std::uint8_t> payload);
  bool room_for(std::size_t frame_bytes);  // under the hard cap, else closes
  void arm_heartbeat();
  void on_heartbeat_tick();
  void schedule_flush();
  void flush();
  std::size_t queued_bytes() const noexcept {
    return held_.bytes.size() + out_.bytes.size() + inflight_.bytes.size();
  }

  asio::io_context& io_;
  role role_;
  link_options opts_;
  state state_ = state::idle;
  bool was_established_ = false;
  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ip::tcp::resolver> resolver_;  // connector only
  asio::steady_timer call_timer_;  // one timer drives every call's deadline
  asio::steady_timer heartbeat_timer_;
  wire::frame_decoder decoder_;
  std::string peer_id_;
  std::string peer_addr_;
  std::string close_reason_;
  request_handler request_handler_;
  std::function<void(link&)> established_handler_;
  std::function<void(link&)> closed_handler_;

  std::uint64_t next_id_ = 1;  // 0 is the handshake's id
  std::unordered_map<std::uint64_t, pending_call> calls_;
  std::set<std::pair<steady::time_point, std::uint64_t>> deadlines_;  // earliest first
  bool call_timer_armed_ = false;
  steady::time_point call_timer_at_{};

  batch held_;      // requests waiting for the handshake
  batch out_;       // frames queued since the last write started
  batch inflight_;  // frames being written; must stay intact until it completes
  bool writing_ = false;
  bool flush_posted_ = false;

  steady::time_point started_{};
  steady::time_point last_received_{};
  bool sent_since_tick_ = false;
  bool received_since_tick_ = false;
  std::uint64_t heartbeat_seq_ = 0;
  link_stats stats_;
};

// Shared by a responder's copies; the last copy's destruction answers the
// request if nobody did.
struct responder::state {
  std::weak_ptr<link> owner;
  std::uint64_t id = 0;
  bool done = false;
  state() = default;
  state(const state&) = delete;
  state& operator=(const state&) = delete;
  ~state();
};

}  // namespace pummelo::broker::rpc
