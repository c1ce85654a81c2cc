// rpc::link against misbehaving peers played by raw sockets: a protocol
// version mismatch, a peer that goes silent after the handshake, one that
// never answers the hello. Also: heartbeats keep an idle healthy link open.
#include <doctest/doctest.h>

#include <asio/read.hpp>
#include <asio/write.hpp>

#include <memory>
#include <string>
#include <vector>

#include "rpc/link.hpp"
#include "rpc/listener.hpp"

using namespace pummelo::broker::rpc;
using namespace std::chrono_literals;
// ::link (unistd.h) would make the bare name ambiguous.
using rpc_link = pummelo::broker::rpc::link;

namespace {

template <class Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds limit = 3000ms) {
  auto end = steady::now() + limit;
  for (int i = 0; i < 100000 && !pred() && steady::now() < end; ++i) {
    io.run_for(2ms);
    if (io.stopped()) io.restart();
  }
  return pred();
}

link_options fast_heartbeat(std::string id) {
  link_options o;
  o.server_id = std::move(id);
  o.heartbeat_interval = 50ms;
  o.heartbeat_timeout = 200ms;
  return o;
}

// Reads everything a raw socket receives until EOF (or error) into `got`.
struct raw_reader {
  std::vector<std::uint8_t> got;
  std::vector<std::uint8_t> chunk = std::vector<std::uint8_t>(4096);
  bool eof = false;
  void start(asio::ip::tcp::socket& s) {
    s.async_read_some(asio::buffer(chunk), [this, &s](const std::error_code& ec, std::size_t n) {
      got.insert(got.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec) {
        eof = true;
        return;
      }
      start(s);
    });
  }
};

// Decodes every complete frame in `bytes`.
std::vector<wire::frame> frames_in(const std::vector<std::uint8_t>& bytes) {
  std::vector<wire::frame> out;
  wire::frame_decoder d(1 << 20);
  std::span<const std::uint8_t> rest(bytes);
  for (int i = 0; i < 1000 && !rest.empty(); ++i) {
    auto r = d.feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.st != wire::frame_decoder::result::status::frame_ready) break;
    out.push_back(d.take());
  }
  return out;
}

}  // namespace

TEST_CASE("rpc link: a hello with another protocol version is refused with a reason") {
  asio::io_context io;
  std::shared_ptr<rpc_link> accepted;
  listener srv(io, fast_heartbeat("channel-1"), nullptr);
  srv.set_link_handler([&](const std::shared_ptr<rpc_link>& l) { accepted = l; });
  srv.listen("127.0.0.1", 0);

  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), srv.port()});
  std::vector<std::uint8_t> hello;
  wire::encode_hello(hello, wire::frame_type::hello, 0, wire::hello{2, "future-frontend"});
  asio::write(raw, asio::buffer(hello));
  raw_reader rd;
  rd.start(raw);
  REQUIRE(run_until(io, [&] { return rd.eof; }));

  auto frames = frames_in(rd.got);
  REQUIRE(frames.size() == 1);  // the refusal, and no hello_ack
  wire::response resp;
  REQUIRE(wire::parse_response(frames[0], resp) == wire::rpc_errc::ok);
  CHECK(resp.st == status::error);
  CHECK(resp.message().find("version 2") != std::string_view::npos);
  REQUIRE(accepted);
  CHECK(accepted->closed());
  CHECK(accepted->close_reason().find("version mismatch") != std::string::npos);
  CHECK(srv.link_count() == 0);
}

TEST_CASE("rpc link: a connector speaking another version is refused; its calls fail") {
  asio::io_context io;
  listener srv(io, fast_heartbeat("channel-1"), nullptr);
  srv.listen("127.0.0.1", 0);
  auto o = fast_heartbeat("frontend-1");
  o.hello_version = 9;
  auto c = rpc_link::create(io, rpc_link::role::connector, o);
  c->connect("127.0.0.1", srv.port());
  int calls = 0;
  status st = status::ok;
  c->call(1, {}, 2000ms, [&](status s, std::span<const std::uint8_t>) {
    ++calls;
    st = s;
  });
  REQUIRE(run_until(io, [&] { return calls > 0; }));
  CHECK(calls == 1);
  CHECK(st == status::error);
  CHECK(!c->was_established());
  CHECK(c->close_reason().find("refused by peer") != std::string::npos);
  CHECK(c->close_reason().find("version 9") != std::string::npos);
}

TEST_CASE("rpc link: a peer that goes silent after the handshake is closed by the heartbeat") {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket raw(io);
  bool accepted = false;
  acc.async_accept(raw, [&](const std::error_code& ec) { accepted = !ec; });

  auto c = rpc_link::create(io, rpc_link::role::connector, fast_heartbeat("frontend-1"));
  c->connect("127.0.0.1", acc.local_endpoint().port());
  REQUIRE(run_until(io, [&] { return accepted; }));

  // Play the acceptor by hand: read the hello, answer hello_ack, then nothing.
  std::vector<std::uint8_t> hello(wire::frame_header_size);
  bool read_hello = false;
  asio::async_read(raw, asio::buffer(hello), [&](const std::error_code& ec, std::size_t) {
    read_hello = !ec;
  });
  REQUIRE(run_until(io, [&] { return read_hello; }));
  std::vector<std::uint8_t> ack;
  wire::encode_hello(ack, wire::frame_type::hello_ack, 0, wire::hello{1, "silent"});
  asio::write(raw, asio::buffer(ack));
  REQUIRE(run_until(io, [&] { return c->established(); }));
  CHECK(c->peer_id() == "silent");

  int calls = 0;
  status st = status::ok;
  c->call(1, {}, 10000ms, [&](status s, std::span<const std::uint8_t>) {
    ++calls;
    st = s;
  });
  auto t0 = steady::now();
  REQUIRE(run_until(io, [&] { return c->closed(); }));
  auto elapsed = steady::now() - t0;
  CHECK(elapsed >= 150ms);
  CHECK(elapsed < 5000ms);  // bounded, with room for a loaded machine
  CHECK(c->close_reason().find("heartbeat timeout") != std::string::npos);
  REQUIRE(run_until(io, [&] { return calls > 0; }));
  CHECK(st == status::error);
  // hello + the request + at least one heartbeat probe went out.
  CHECK(c->stats().frames_sent.get() >= 3);
}

TEST_CASE("rpc link: a peer that never answers the hello is closed at the handshake deadline") {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket raw(io);
  acc.async_accept(raw, [](const std::error_code&) {});
  auto c = rpc_link::create(io, rpc_link::role::connector, fast_heartbeat("frontend-1"));
  c->connect("127.0.0.1", acc.local_endpoint().port());
  REQUIRE(run_until(io, [&] { return c->closed(); }));
  CHECK(c->close_reason().find("no handshake") != std::string::npos);
}

TEST_CASE("rpc link: heartbeats keep an idle healthy link open") {
  // Both ends share this one thread, so a stall of the whole test process
  // looks like silence to both: the timeout is long enough to ride out a
  // loaded machine, while the heartbeats still come 15 times per timeout.
  auto patient = [](std::string id) {
    link_options o = fast_heartbeat(std::move(id));
    o.heartbeat_timeout = 750ms;
    return o;
  };
  asio::io_context io;
  listener srv(io, patient("channel-1"), nullptr);
  srv.listen("127.0.0.1", 0);
  auto c = rpc_link::create(io, rpc_link::role::connector, patient("frontend-1"));
  c->connect("127.0.0.1", srv.port());
  REQUIRE(run_until(io, [&] { return c->established(); }));
  // Three heartbeat timeouts without a single call.
  run_until(io, [] { return false; }, 2250ms);
  CHECK(c->established());
  CHECK(srv.link_count() == 1);
  CHECK(c->stats().frames_received.get() >= 10);  // hello_ack + heartbeats/acks
}

TEST_CASE("rpc link: garbage after the handshake closes the link") {
  asio::io_context io;
  listener srv(io, fast_heartbeat("channel-1"), nullptr);
  std::shared_ptr<rpc_link> accepted;
  srv.set_link_handler([&](const std::shared_ptr<rpc_link>& l) { accepted = l; });
  srv.listen("127.0.0.1", 0);
  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), srv.port()});
  std::vector<std::uint8_t> out;
  wire::encode_hello(out, wire::frame_type::hello, 0, wire::hello{1, "raw"});
  const std::uint8_t junk[] = {0, 0, 0, 9, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0};  // unknown type
  out.insert(out.end(), std::begin(junk), std::end(junk));
  asio::write(raw, asio::buffer(out));
  REQUIRE(run_until(io, [&] { return accepted && accepted->closed(); }));
  CHECK(accepted->close_reason().find("unknown_frame_type") != std::string::npos);
}
