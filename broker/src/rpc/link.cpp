// Link lifecycle: connecting, reading, the hello handshake, dispatching
// frames, and closing. Every way a link ends goes through close_with(),
// exactly once.
#include "rpc/link.hpp"

#include <asio/connect.hpp>
#include <asio/post.hpp>

#include "log.hpp"

namespace pummelo::broker::rpc {

namespace {
// Reads land in one buffer per thread, shared by every link of the loop, so an
// idle link holds no read buffer. Frames are copied out by the decoder.
std::vector<std::uint8_t>& read_buffer() {
  thread_local std::vector<std::uint8_t> buf(64 * 1024);
  return buf;
}
}  // namespace

std::shared_ptr<link> link::create(asio::io_context& io, role r, link_options opts) {
  return std::shared_ptr<link>(new link(io, r, std::move(opts)));
}

link::link(asio::io_context& io, role r, link_options opts)
    : io_(io),
      role_(r),
      opts_(std::move(opts)),
      socket_(io),
      call_timer_(io),
      heartbeat_timer_(io),
      decoder_(opts_.max_frame_size) {}

link::~link() = default;

std::string link::describe() const {
  std::string s = "rpc link";
  if (!peer_id_.empty()) s += " " + peer_id_;
  if (!peer_addr_.empty()) s += " (" + peer_addr_ + ")";
  return s;
}

void link::start(asio::ip::tcp::socket socket) {
  if (state_ != state::idle) return;
  socket_ = std::move(socket);
  started_ = steady::now();
  arm_heartbeat();  // also enforces the handshake deadline
  on_connected();
}

void link::connect(const std::string& host, std::uint16_t port) {
  if (state_ != state::idle || role_ != role::connector) return;
  state_ = state::connecting;
  started_ = steady::now();
  peer_addr_ = host + ":" + std::to_string(port);
  arm_heartbeat();
  resolver_ = std::make_unique<asio::ip::tcp::resolver>(io_);
  resolver_->async_resolve(
      host, std::to_string(port),
      [self = shared_from_this()](const std::error_code& ec,
                                  asio::ip::tcp::resolver::results_type results) {
        if (self->closed()) return;
        if (ec) {
          self->close("resolve failed: " + ec.message());
          return;
        }
        asio::async_connect(self->socket_, results,
                            [self](const std::error_code& cec, const asio::ip::tcp::endpoint&) {
                              if (self->closed()) return;
                              if (cec) {
                                self->close("connect failed: " + cec.message());
                                return;
                              }
                              self->on_connected();
                            });
      });
}

void link::on_connected() {
  std::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) peer_addr_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  state_ = state::handshaking;
  last_received_ = steady::now();
  if (role_ == role::connector) {
    wire::encode_hello(out_.bytes, wire::frame_type::hello, 0,
                       wire::hello{opts_.hello_version, opts_.server_id});
    ++out_.frames;
    schedule_flush();
  }
  start_read();
}

void link::start_read() {
  // Wait for readability, then read without blocking into the shared buffer.
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const std::error_code& ec) {
                       if (self->closed()) return;
                       if (ec) {
                         self->close("read wait failed: " + ec.message());
                         return;
                       }
                       self->on_readable();
                     });
}

void link::on_readable() {
  auto& buf = read_buffer();
  // A few reads per wake-up at most, so one busy peer cannot starve the loop.
  for (int round = 0; round < 4; ++round) {
    std::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      close(ec == asio::error::eof ? "connection closed by peer" : "read failed: " + ec.message());
      return;
    }
    stats_.bytes_received.add(n);
    last_received_ = steady::now();
    received_since_tick_ = true;
    process_input(std::span<const std::uint8_t>(buf.data(), n));
    if (closed()) return;
    if (n < buf.size()) break;
  }
  start_read();
}

void link::process_input(std::span<const std::uint8_t> bytes) {
  auto self = shared_from_this();  // a callback below may drop the last owner
  while (!bytes.empty()) {
    auto r = decoder_.feed(bytes);
    bytes = bytes.subspan(r.consumed);
    if (r.st == wire::frame_decoder::result::status::error) {
      close("bad input: " + std::string(wire::to_string(r.error)));
      return;
    }
    if (r.st == wire::frame_decoder::result::status::need_more) return;
    stats_.frames_received.add();
    auto f = decoder_.take();
    handle_frame(f);
    if (closed()) return;
  }
}

void link::handle_frame(wire::frame& f) {
  using ft = wire::frame_type;
  if (state_ != state::established) {
    // Only the handshake may happen before the handshake; an error response
    // is how an acceptor refuses a connector.
    if (f.type == ft::hello && role_ == role::acceptor) return on_hello(f);
    if (f.type == ft::hello_ack && role_ == role::connector) return on_hello_ack(f);
    if (f.type == ft::response && role_ == role::connector) {
      wire::response r;
      if (wire::parse_response(f, r) == wire::rpc_errc::ok) {
        close("refused by peer: " + std::string(r.message()));
        return;
      }
    }
    close("unexpected " + std::string(wire::to_string(f.type)) + " frame before the handshake");
    return;
  }
  switch (f.type) {
    case ft::request: on_request(f); return;
    case ft::response: on_response(f); return;
    case ft::heartbeat:
      if (room_for(wire::frame_header_size)) {
        wire::encode_heartbeat(out_.bytes, true, f.request_id);
        ++out_.frames;
        schedule_flush();
      }
      return;
    case ft::heartbeat_ack: return;  // receiving it already refreshed last_received_
    case ft::hello:
    case ft::hello_ack: break;
  }
  close("unexpected " + std::string(wire::to_string(f.type)) + " frame after the handshake");
}

void link::on_hello(const wire::frame& f) {
  wire::hello h;
  if (auto e = wire::parse_hello(f, h); e != wire::rpc_errc::ok) {
    close("bad hello: " + std::string(wire::to_string(e)));
    return;
  }
  peer_id_ = h.server_id;
  if (h.version != wire::protocol_version) {
    std::string msg = "unsupported rpc protocol version " + std::to_string(h.version) +
                      " (this server speaks " + std::to_string(wire::protocol_version) + ")";
    std::vector<std::uint8_t> refusal;
    wire::encode_error(refusal, f.request_id, status::error, msg);
    close_with("version mismatch: " + msg, std::move(refusal));
    return;
  }
  wire::encode_hello(out_.bytes, wire::frame_type::hello_ack, f.request_id,
                     wire::hello{opts_.hello_version, opts_.server_id});
  ++out_.frames;
  become_established();
}

void link::on_hello_ack(const wire::frame& f) {
  wire::hello h;
  if (auto e = wire::parse_hello(f, h); e != wire::rpc_errc::ok) {
    close("bad hello_ack: " + std::string(wire::to_string(e)));
    return;
  }
  peer_id_ = h.server_id;
  if (h.version != opts_.hello_version) {
    close("version mismatch: peer answered with version " + std::to_string(h.version));
    return;
  }
  become_established();
}

void link::become_established() {
  state_ = state::established;
  was_established_ = true;
  // Requests held during the handshake go out behind the hello_ack, if any.
  out_.bytes.insert(out_.bytes.end(), held_.bytes.begin(), held_.bytes.end());
  out_.frames += held_.frames;
  out_.requests += held_.requests;
  out_.request_bytes += held_.request_bytes;
  held_.reset();
  held_.bytes.shrink_to_fit();
  schedule_flush();
  log(log_level::debug, describe(), ": established");
  if (established_handler_) established_handler_(*this);
}

void link::on_request(const wire::frame& f) {
  wire::request req;
  if (auto e = wire::parse_request(f, req); e != wire::rpc_errc::ok) {
    close("bad request: " + std::string(wire::to_string(e)));
    return;
  }
  auto st = std::make_shared<responder::state>();
  st->owner = weak_from_this();
  st->id = f.request_id;
  responder r(std::move(st));
  if (!request_handler_) {
    r.fail(status::unknown_method, "no request handler on this link");
    return;
  }
  request_handler_(req.method, req.payload, std::move(r));
}

void link::on_response(const wire::frame& f) {
  wire::response resp;
  if (auto e = wire::parse_response(f, resp); e != wire::rpc_errc::ok) {
    close("bad response: " + std::string(wire::to_string(e)));
    return;
  }
  auto it = calls_.find(f.request_id);
  if (it == calls_.end()) {
    stats_.late_responses.add();  // timed out already: the caller was told
    return;
  }
  auto cb = std::move(it->second.cb);
  deadlines_.erase({it->second.deadline, f.request_id});
  calls_.erase(it);
  cb(resp.st, resp.payload);
}

void link::close(std::string_view why) { close_with(std::string(why), {}); }

void link::close_with(std::string why, std::vector<std::uint8_t> last_words) {
  if (state_ == state::closed) return;
  auto self = shared_from_this();  // the closed handler may drop the last owner
  state_ = state::closed;
  close_reason_ = std::move(why);
  log(log_level::info, describe(), ": closing: ", close_reason_);
  std::error_code ec;
  if (!last_words.empty() && !writing_ && out_.bytes.empty() && socket_.is_open()) {
    // Best effort, non-blocking: a tiny frame on a fresh connection fits the
    // socket's send buffer, and we must not wait on a peer we are refusing.
    socket_.write_some(asio::buffer(last_words), ec);
  }
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (resolver_) resolver_->cancel();
  call_timer_.cancel();
  heartbeat_timer_.cancel();
  held_.reset();
  out_.reset();  // inflight_ stays until its write completes (aborted)

  std::vector<call_callback> failed;
  failed.reserve(calls_.size());
  for (auto& [id, c] : calls_) failed.push_back(std::move(c.cb));
  calls_.clear();
  deadlines_.clear();
  if (!failed.empty()) {
    asio::post(io_, [failed = std::move(failed)] {
      for (const auto& cb : failed) cb(status::error, {});
    });
  }
  auto handler = std::move(closed_handler_);
  closed_handler_ = nullptr;
  if (handler) handler(*this);
}

}  // namespace pummelo::broker::rpc
