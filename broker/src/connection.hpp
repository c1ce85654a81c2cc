// One client network connection: socket, decoder, bounded write queue and the
// keep-alive/CONNECT deadline. It runs on one event loop; after CONNECT it
// moves to the loop its client id hashes to, so that it and its session share
// a thread. Split by concern over connection*.cpp files.
//
// Most connections are idle devices, so an idle one is kept small: its socket
// is a descriptor in the loop's epoll set (socket_poller), its deadline an
// entry in the loop's timing wheel (deadline_wheel), its reads land in the
// loop's shared buffer and its write queue is empty and unallocated.
#pragma once

#include <asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/acl.hpp"
#include "deadline_wheel.hpp"
#include "token_bucket.hpp"
#include "message.hpp"
#include "pummelo/protocol/decoder.hpp"
#include "pummelo/protocol/packets.hpp"
#include "tls/tls_stream.hpp"
#include "write_queue.hpp"

namespace pummelo::broker {

class event_loop;
class publish_cache;
class server;
class session;
struct session_delivery;

class connection : public std::enable_shared_from_this<connection>,
                   public deadline_wheel::entry {
 public:
  /// Takes ownership of `fd`, a connected non-blocking TCP socket.
  connection(event_loop& loop, int fd);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Reads what the client sent, then watches the socket; the CONNECT
  /// deadline starts now. With `tls` (a TLS listener's context) the socket
  /// speaks TLS: the handshake runs within the first reads.
  void start(tls::server_context* tls = nullptr);

  /// Readiness reported by the loop's socket_poller (EPOLLIN, EPOLLOUT...).
  void on_events(std::uint32_t events);
  /// The deadline set in the loop's deadline_wheel has come.
  void on_deadline();
  /// Writes what is queued (the loop's end-of-turn flush).
  void flush_now() {
    flush_posted_ = false;
    flush();
  }

  /// Sends one PUBLISH for the session. Returns false when the packet exceeds
  /// the client's maximum packet size (v5) and was dropped.
  bool send_publish(const session_delivery& d, std::uint16_t packet_id, bool dup,
                    publish_cache& cache);
  void send_pubrel(std::uint16_t packet_id);

  /// Receive maximum the client announced (v5); 65535 for 3.x.
  std::uint16_t client_receive_maximum() const noexcept { return client_receive_maximum_; }
  protocol::version version() const noexcept { return version_; }
  std::uint16_t keep_alive_s() const noexcept { return keep_alive_s_; }

  /// Closes the connection. `reason` is sent in a v5 DISCONNECT when the
  /// session is established and `send_disconnect` is set; `why` is logged.
  void close(protocol::reason_code reason, std::string_view why, bool send_disconnect = true);

  /// Server-initiated disconnect for session takeover / shutdown.
  void kick(protocol::reason_code reason, std::string_view why) { close(reason, why); }

  /// Closes this connection because its client id connected again; the new
  /// connection decides what happens to the session.
  void take_over() {
    taken_over_ = true;
    close(protocol::reason_code::session_taken_over, "session taken over");
  }

  /// "address:port" of the client, for logs.
  std::string peer() const;

 private:
  enum class state : std::uint8_t { awaiting_connect, active, closing, closed };

  // connection_subscribe.cpp
  struct retained_request {
    std::string filter;
    channel::subscription_options options;
  };
  void finish_subscribe(const protocol::suback_packet& ack,
                        const std::vector<retained_request>& retained);

  // connection_publish.cpp: ordered inbound acknowledgements
  std::uint64_t expect_ack(std::uint16_t packet_id, std::uint8_t qos);
  void complete_ack(std::uint64_t seq, bool accepted);
  static constexpr std::uint8_t pending_ack_waiting = 0, pending_ack_accepted = 1,
                                pending_ack_refused = 2,  // by its channel server
                                pending_ack_denied = 3;   // by the ACL
  void settle_ack(std::uint64_t seq, std::uint8_t outcome);

  // connection.cpp: lifecycle, reads, deadlines
  void start_read();  // read interest on (off while registering_)
  void on_readable();
  // TLS (connection.cpp, connection_write.cpp): ::read and ::writev through
  // the session, with their return conventions (-1 and errno EAGAIN when
  // OpenSSL waits for the socket); a TLS failure closes the connection.
  tls::stream* tls_stream() const noexcept { return x_ ? x_->tls.get() : nullptr; }
  ssize_t read_tls(std::span<std::uint8_t> buf);
  ssize_t write_tls(const iovec* iov, std::size_t count);
  void read_tls_backlog();  // reads on when OpenSSL holds input the socket no longer shows
  void process_input(std::span<const std::uint8_t> bytes);
  void arm_timer();  // schedules the next deadline in the wheel
  void finish_close();
  void close_fd() noexcept;  // also releases its place under the per-address limit
  void update_interest();
  void fail(protocol::errc e);

  // connection_dispatch.cpp
  void handle_packet(protocol::packet&& p);

  // connection_connect.cpp
  void on_connect(protocol::connect_packet&& p, std::vector<std::uint8_t>& rest);
  void migrate(event_loop& target, protocol::connect_packet&& p, std::vector<std::uint8_t> rest);
  void resume_migrated(protocol::connect_packet&& p, std::vector<std::uint8_t> rest);
  void accept_connect(protocol::connect_packet&& p);
  void refuse_connect(protocol::reason_code reason, std::string_view why,
                      std::optional<std::string> server_reference = std::nullopt);
  void on_disconnect(const protocol::disconnect_packet& p);
  void end_session_link();

  // connection_auth.cpp
  std::string peer_address() const;  // "" when unknown
  /// Checks CONNECT's credentials; refuses the connection (perhaps after a
  /// delay, see auth::failure_throttle) and returns false when they fail.
  /// On a listener with tls.use_identity_as_username, the client
  /// certificate's CN replaces the CONNECT's username (and no password is
  /// checked).
  bool authenticate(protocol::connect_packet& p);
  void refuse_login(protocol::reason_code reason, std::string why);
  /// Whether the ACL lets this client (or `who`) do `a` on `topic`; a denial
  /// is counted and logged.
  bool permitted(auth::action a, std::string_view topic);
  bool permitted(auth::action a, std::string_view topic, const auth::identity& who);
  // connection_publish.cpp
  void on_publish(protocol::publish_packet&& p);
  // limits.max_publish_rate
  bool publish_allowed_now();
  void hold_publish(protocol::publish_packet&& p, std::span<const std::uint8_t> rest);
  void arm_publish_timer();
  void resume_held_publish();
  void on_puback(const protocol::puback_packet& p);
  void on_pubrec(const protocol::pubrec_packet& p);
  void on_pubrel(const protocol::pubrel_packet& p);
  void on_pubcomp(const protocol::pubcomp_packet& p);
  bool resolve_topic_alias(protocol::publish_packet& p);

  // connection_connect.cpp: the CONNACK once the channel servers registered
  void finish_connect(const protocol::connack_packet& ack);

  // connection_subscribe.cpp
  void on_subscribe(protocol::subscribe_packet&& p);
  void on_unsubscribe(const protocol::unsubscribe_packet& p);

  // connection_write.cpp
  void send(const protocol::packet& p);
  /// Queues bytes for writing; false when they were refused (the
  /// connection is closing, or the write queue is full and a close is posted).
  bool enqueue(out_chunk chunk, bool is_push = false);
  void schedule_flush();        // at the end of this loop turn
  void schedule_timed_flush();  // buffer scheduler: after flush_interval_ms
  void flush();

  server& server_() const noexcept;

  // Fields are ordered to pack: an idle connection should stay around 200
  // bytes (see the file comment).
  int fd_;  // first: packs into the tail of deadline_wheel::entry
  event_loop* loop_;
  session* session_ = nullptr;
  std::unique_ptr<protocol::will_message> will_;  // most devices set none
  clock::time_point last_activity_;
  write_queue out_;
  // What only some connections need: publishers (ordered acks, topic
  // aliases), the buffer scheduler's timer, input held during CONNECT.
  struct extras {
    std::vector<std::string> topic_aliases;  // index = alias - 1; sized lazily
    // Inbound QoS 1/2 acknowledgements not sent yet: each waits for its
    // channel server to accept the message, and they leave in PUBLISH order
    // (spec 4.6).
    struct pending_ack {
      std::uint16_t packet_id;
      std::uint8_t qos;
      std::uint8_t state;  // pending_ack_waiting...
    };
    std::vector<pending_ack> pending_acks;
    std::uint64_t acks_sent = 0;  // sequence number of pending_acks.front()
    std::unique_ptr<asio::steady_timer> flush_timer;
    // Between an accepted CONNECT and its CONNACK: input is held here.
    std::vector<std::uint8_t> held_input;
    // TLS listeners' connections: here rather than in the connection, so
    // that a plain-TCP connection is no bigger for it.
    std::unique_ptr<tls::stream> tls;
    // limits.max_publish_rate: the pace of this client's PUBLISHes, and the
    // timer that resumes reading once it may go on.
    std::optional<token_bucket> publish_bucket;
    std::unique_ptr<asio::steady_timer> throttle_timer;
    std::optional<protocol::publish_packet> held_publish;  // waits for its turn, held_input after it
  };
  extras& x();
  std::unique_ptr<extras> x_;
  protocol::decoder decoder_;
  std::uint32_t client_max_packet_size_ = 0xFFFFFFFF;
  std::uint16_t keep_alive_s_ = 0;
  std::uint16_t client_receive_maximum_ = 65535;
  std::uint8_t interest_ = 0;  // events registered with the poller (EPOLLIN|EPOLLOUT)
  state state_ = state::awaiting_connect;
  protocol::version version_ = protocol::version::v3_1_1;
  bool polled_ : 1 = false;            // registered with the loop's socket_poller
  bool reading_ : 1 = false;           // wants EPOLLIN
  bool writing_ : 1 = false;           // the socket was full: waiting for EPOLLOUT
  bool flush_posted_ : 1 = false;
  bool flush_timed_ : 1 = false;       // buffer scheduler: a timed flush is pending
  bool counted_ : 1 = true;            // holds a slot in server's connection count
  bool assigned_client_id_ : 1 = false;
  // Between an accepted CONNECT and its CONNACK (waiting for the channel
  // servers): input is held, not read or handled.
  bool registering_ : 1 = false;
  bool in_accept_ : 1 = false;
  bool taken_over_ : 1 = false;        // closed because the client id connected again
  bool overflowed_ : 1 = false;        // write queue hit its limit; a close is posted
  bool connect_expiry_zero_ : 1 = false;  // v5 CONNECT asked for no session expiry
  bool will_suppressed_ : 1 = false;   // clean DISCONNECT
};

}  // namespace pummelo::broker
