// rpc::client: reconnects with backoff after the server restarts on the same
// port, holds calls made while disconnected, and fails them on stop().
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "rpc/client.hpp"
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

std::unique_ptr<listener> echo_server(asio::io_context& io, std::uint16_t port) {
  link_options o;
  o.server_id = "channel-1";
  auto s = std::make_unique<listener>(
      io, o, [](std::uint16_t, std::span<const std::uint8_t> p, responder r) { r(status::ok, p); });
  s->listen("127.0.0.1", port);
  return s;
}

client_options fast_client() {
  client_options o;
  o.link.server_id = "frontend-1";
  o.initial_backoff = 20ms;
  o.max_backoff = 80ms;
  return o;
}

struct outcome {
  int calls = 0;
  status st = status::ok;
};

call_callback record(outcome& o) {
  return [&o](status st, std::span<const std::uint8_t>) {
    ++o.calls;
    o.st = st;
  };
}

const std::vector<std::uint8_t> ping = {'p', 'i', 'n', 'g'};

}  // namespace

TEST_CASE("rpc client: reconnects after the server restarts on the same port") {
  asio::io_context io;
  auto srv = echo_server(io, 0);
  std::uint16_t port = srv->port();
  client c(io, "127.0.0.1", port, fast_client());
  c.start();
  REQUIRE(run_until(io, [&] { return c.connected(); }));
  CHECK(c.connections() == 1);
  outcome first;
  c.call(1, ping, 1000ms, record(first));
  REQUIRE(run_until(io, [&] { return first.calls == 1; }));
  CHECK(first.st == status::ok);

  srv.reset();  // the server goes away
  REQUIRE(run_until(io, [&] { return !c.connected(); }));
  // Let a few attempts fail: the backoff grows to its cap (20, 40, 80 ms;
  // waited for rather than timed, so a stalled machine cannot fail it)...
  CHECK(run_until(io, [&] { return c.current_backoff() == 80ms; }, 5000ms));
  // ...and stays there through further failed attempts.
  run_until(io, [] { return false; }, 300ms);
  CHECK(c.current_backoff() == 80ms);
  CHECK(c.connections() == 1);

  srv = echo_server(io, port);  // back on the same port
  REQUIRE(run_until(io, [&] { return c.connected(); }));
  CHECK(c.connections() == 2);
  CHECK(c.current_backoff() == 20ms);  // reset by the successful handshake
  outcome second;
  c.call(1, ping, 1000ms, record(second));
  REQUIRE(run_until(io, [&] { return second.calls == 1; }));
  CHECK(second.st == status::ok);
}

TEST_CASE("rpc client: a call made during the backoff is held and sent after reconnecting") {
  asio::io_context io;
  auto srv = echo_server(io, 0);
  std::uint16_t port = srv->port();
  auto o = fast_client();
  o.initial_backoff = 200ms;  // a window long enough to call and restart in
  client c(io, "127.0.0.1", port, o);
  c.start();
  REQUIRE(run_until(io, [&] { return c.connected(); }));
  srv.reset();
  REQUIRE(run_until(io, [&] {
    return c.current_link() && c.current_link()->current_state() == rpc_link::state::idle;
  }));
  outcome held;
  CHECK(c.call(1, ping, 2000ms, record(held)));
  srv = echo_server(io, port);
  REQUIRE(run_until(io, [&] { return held.calls == 1; }));
  CHECK(held.st == status::ok);
  CHECK(c.connections() == 2);
}

TEST_CASE("rpc client: a call while the server is down fails with error, once") {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    auto probe = echo_server(io, 0);  // find a free port, then free it
    port = probe->port();
  }
  client c(io, "127.0.0.1", port, fast_client());
  c.start();
  outcome o;
  c.call(1, ping, 2000ms, record(o));
  REQUIRE(run_until(io, [&] { return o.calls > 0; }));
  run_until(io, [] { return false; }, 50ms);
  CHECK(o.calls == 1);
  CHECK(o.st == status::error);
  CHECK(!c.connected());
}

TEST_CASE("rpc client: stop fails pending calls and refuses later ones") {
  asio::io_context io;
  link_options so;
  so.server_id = "channel-1";
  std::vector<responder> kept;
  listener srv(io, so, [&](std::uint16_t, std::span<const std::uint8_t>, responder r) {
    kept.push_back(std::move(r));
  });
  srv.listen("127.0.0.1", 0);
  client c(io, "127.0.0.1", srv.port(), fast_client());
  c.start();
  outcome pending;
  c.call(1, ping, 5000ms, record(pending));
  REQUIRE(run_until(io, [&] { return kept.size() == 1; }));
  c.stop();
  REQUIRE(run_until(io, [&] { return pending.calls == 1; }));
  CHECK(pending.st == status::error);
  outcome after;
  CHECK(!c.call(1, ping, 1000ms, record(after)));
  REQUIRE(run_until(io, [&] { return after.calls == 1; }));
  CHECK(after.st == status::error);
  run_until(io, [] { return false; }, 100ms);
  CHECK(c.connections() == 1);  // no reconnect after stop
  CHECK(srv.link_count() == 0);
}
