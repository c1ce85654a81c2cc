// rpc::link over real sockets on 127.0.0.1: handshake, calls matched by id,
// timeouts, back-pressure, close, merged writes, calls in both directions.
#include <doctest/doctest.h>

#include <asio/steady_timer.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "rpc/link.hpp"
#include "rpc/listener.hpp"

using namespace pummelo::broker::rpc;
using namespace std::chrono_literals;
// ::link (unistd.h) would make the bare name ambiguous.
using rpc_link = pummelo::broker::rpc::link;

namespace {

constexpr std::uint16_t echo = 1;        // answers at once with the payload
constexpr std::uint16_t never = 2;       // keeps the responder, never answers
constexpr std::uint16_t held = 3;        // keeps the responder; the test answers

// Runs the loop until pred() holds or `limit` passes; bounded in time and turns.
template <class Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds limit = 3000ms) {
  auto end = steady::now() + limit;
  for (int i = 0; i < 100000 && !pred() && steady::now() < end; ++i) {
    io.run_for(2ms);
    if (io.stopped()) io.restart();
  }
  return pred();
}

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
std::vector<std::uint8_t> u32_bytes(std::uint32_t v) {
  return {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
}

link_options opts(std::string id) {
  link_options o;
  o.server_id = std::move(id);
  return o;
}

// A listener on an ephemeral port with the test methods above.
struct server_fixture {
  asio::io_context& io;
  std::vector<responder> kept;  // responders of `never` and `held`
  std::shared_ptr<rpc_link> accepted;
  listener srv;

  explicit server_fixture(asio::io_context& ctx, link_options o = opts("channel-1"))
      : io(ctx),
        srv(ctx, std::move(o), [this](std::uint16_t method, std::span<const std::uint8_t> p,
                                      responder r) {
          if (method == echo) {
            r(status::ok, p);
          } else if (method == never || method == held) {
            kept.push_back(std::move(r));
          } else {
            r.fail(status::unknown_method, "no such method");
          }
        }) {
    srv.set_link_handler([this](const std::shared_ptr<rpc_link>& l) { accepted = l; });
    srv.listen("127.0.0.1", 0);
  }
};

std::shared_ptr<rpc_link> connect_to(asio::io_context& io, std::uint16_t port,
                                  link_options o = opts("frontend-1")) {
  auto l = rpc_link::create(io, rpc_link::role::connector, std::move(o));
  l->connect("127.0.0.1", port);
  return l;
}

struct outcome {
  int calls = 0;  // how many times the callback ran
  status st = status::ok;
  std::vector<std::uint8_t> payload;
};

call_callback record(outcome& o) {
  return [&o](status st, std::span<const std::uint8_t> p) {
    ++o.calls;
    o.st = st;
    o.payload.assign(p.begin(), p.end());
  };
}

}  // namespace

TEST_CASE("rpc link: handshake, then a request/response round trip") {
  asio::io_context io;
  server_fixture s(io);
  auto c = connect_to(io, s.srv.port());
  CHECK(c->current_state() != rpc_link::state::established);
  REQUIRE(run_until(io, [&] { return c->established(); }));
  CHECK(c->peer_id() == "channel-1");
  REQUIRE(s.accepted);
  CHECK(s.accepted->peer_id() == "frontend-1");

  outcome o;
  auto payload = bytes_of("ping");
  CHECK(c->call(echo, payload, 1000ms, record(o)));
  REQUIRE(run_until(io, [&] { return o.calls > 0; }));
  CHECK(o.calls == 1);
  CHECK(o.st == status::ok);
  CHECK(o.payload == payload);

  outcome unknown;
  c->call(99, {}, 1000ms, record(unknown));
  REQUIRE(run_until(io, [&] { return unknown.calls > 0; }));
  CHECK(unknown.st == status::unknown_method);
  CHECK(c->pending_calls() == 0);
}

TEST_CASE("rpc link: calls made before the handshake are held, then sent") {
  asio::io_context io;
  server_fixture s(io);
  auto c = connect_to(io, s.srv.port());
  outcome o;
  CHECK(c->call(echo, bytes_of("early"), 1000ms, record(o)));
  REQUIRE(run_until(io, [&] { return o.calls > 0; }));
  CHECK(o.st == status::ok);
  CHECK(o.payload == bytes_of("early"));
}

TEST_CASE("rpc link: many concurrent calls answered out of order reach the right callbacks") {
  asio::io_context io;
  server_fixture s(io);
  auto c = connect_to(io, s.srv.port());
  REQUIRE(run_until(io, [&] { return c->established(); }));

  constexpr std::uint32_t n = 300;
  std::vector<int> runs(n, 0);
  std::vector<bool> matched(n, false);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto p = u32_bytes(i);
    c->call(held, p, 5000ms, [&, i](status st, std::span<const std::uint8_t> got) {
      ++runs[i];
      auto want = u32_bytes(i * 7);
      matched[i] = st == status::ok && std::equal(got.begin(), got.end(), want.begin(), want.end());
    });
  }
  REQUIRE(run_until(io, [&] { return s.kept.size() == n; }));
  // Answer in reverse order with payload = 7 * the request's number: only
  // matching by request id gets every callback its own answer.
  for (std::uint32_t k = 0; k < n; ++k) {
    std::uint32_t i = n - 1 - k;
    CHECK(s.kept[i](status::ok, u32_bytes(i * 7)));
  }
  REQUIRE(run_until(io, [&] { return c->pending_calls() == 0; }));
  run_until(io, [] { return false; }, 20ms);  // a duplicate would show up now
  CHECK(std::all_of(runs.begin(), runs.end(), [](int r) { return r == 1; }));
  CHECK(std::all_of(matched.begin(), matched.end(), [](bool m) { return m; }));
}

TEST_CASE("rpc link: a handler that never answers times the call out once") {
  asio::io_context io;
  server_fixture s(io);
  auto c = connect_to(io, s.srv.port());
  REQUIRE(run_until(io, [&] { return c->established(); }));

  outcome o;
  auto t0 = steady::now();
  c->call(never, {}, 150ms, record(o));
  REQUIRE(run_until(io, [&] { return o.calls > 0; }));
  auto elapsed = steady::now() - t0;
  CHECK(o.st == status::timeout);
  CHECK(elapsed >= 150ms);
  CHECK(elapsed < 5000ms);  // bounded, with room for a loaded machine
  CHECK(c->stats().calls_timed_out.get() == 1);

  // The late answer is counted and dropped: the callback does not run again.
  REQUIRE(s.kept.size() == 1);
  CHECK(s.kept[0](status::ok, {}));
  REQUIRE(run_until(io, [&] { return c->stats().late_responses.get() == 1; }));
  CHECK(o.calls == 1);
  CHECK(!s.kept[0](status::ok, {}));  // a responder answers once only
}

TEST_CASE("rpc link: deadlines of different lengths fire in deadline order") {
  asio::io_context io;
  server_fixture s(io);
  auto c = connect_to(io, s.srv.port());
  REQUIRE(run_until(io, [&] { return c->established(); }));
  std::vector<int> order;
  c->call(never, {}, 300ms, [&](status, std::span<const std::uint8_t>) { order.push_back(3); });
  c->call(never, {}, 100ms, [&](status, std::span<const std::uint8_t>) { order.push_back(1); });
  c->call(never, {}, 200ms, [&](status, std::span<const std::uint8_t>) { order.push_back(2); });
  REQUIRE(run_until(io, [&] { return order.size() == 3; }));
  CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("rpc link: a full queue refuses calls at once with overloaded") {
  asio::io_context io;
  server_fixture s(io);
  auto o = opts("frontend-1");
  o.max_queued_requests = 10;
  auto c = connect_to(io, s.srv.port(), o);
  REQUIRE(run_until(io, [&] { return c->established(); }));

  std::vector<outcome> out(25);
  int accepted = 0;
  for (auto& r : out) accepted += c->call(echo, bytes_of("x"), 2000ms, record(r)) ? 1 : 0;
  CHECK(accepted == 10);
  CHECK(c->stats().calls_overloaded.get() == 15);
  io.poll();  // one turn: the refusals are already known, nothing waited on the network
  for (std::size_t i = 10; i < out.size(); ++i) {
    CHECK(out[i].calls == 1);
    CHECK(out[i].st == status::overloaded);
  }
  REQUIRE(run_until(io, [&] { return c->pending_calls() == 0; }));
  for (std::size_t i = 0; i < 10; ++i) CHECK(out[i].st == status::ok);
  for (auto& r : out) CHECK(r.calls == 1);

  // Once written, the queue has room again.
  outcome again;
  CHECK(c->call(echo, bytes_of("y"), 2000ms, record(again)));
  REQUIRE(run_until(io, [&] { return again.calls == 1; }));
  CHECK(again.st == status::ok);
}

TEST_CASE("rpc link: the byte bound refuses a call that does not fit") {
  asio::io_context io;
  server_fixture s(io);
  auto o = opts("frontend-1");
  o.max_queued_bytes = 1000;
  auto c = connect_to(io, s.srv.port(), o);  // not yet established: calls are held
  std::vector<std::uint8_t> big(600, 0xAB);
  outcome first, second;
  CHECK(c->call(echo, big, 2000ms, record(first)));
  CHECK(!c->call(echo, big, 2000ms, record(second)));
  REQUIRE(run_until(io, [&] { return first.calls == 1 && second.calls == 1; }));
  CHECK(second.st == status::overloaded);
  CHECK(first.st == status::ok);
  CHECK(first.payload == big);
}

TEST_CASE("rpc link: the server going away fails pending calls with error") {
  asio::io_context io;
  auto s = std::make_unique<server_fixture>(io);
  auto c = connect_to(io, s->srv.port());
  REQUIRE(run_until(io, [&] { return c->established(); }));
  std::vector<outcome> out(5);
  for (auto& r : out) c->call(never, {}, 10000ms, record(r));
  REQUIRE(run_until(io, [&] { return s->kept.size() == 5; }));

  auto t0 = steady::now();
  s->srv.stop();
  REQUIRE(run_until(io, [&] {
    return std::all_of(out.begin(), out.end(), [](const outcome& r) { return r.calls > 0; });
  }));
  CHECK(steady::now() - t0 < 5000ms);  // bounded, with room for a loaded machine
  for (auto& r : out) {
    CHECK(r.calls == 1);
    CHECK(r.st == status::error);
  }
  CHECK(c->closed());
  CHECK(c->close_reason() == "connection closed by peer");
  // Responding on a closed link is a no-op.
  CHECK(!s->kept[0](status::ok, {}));

  outcome after;
  CHECK(!c->call(echo, {}, 1000ms, record(after)));
  REQUIRE(run_until(io, [&] { return after.calls == 1; }));
  CHECK(after.st == status::error);
}

TEST_CASE("rpc link: frames queued in one turn leave in one write") {
  asio::io_context io;
  server_fixture s(io);
  auto c = connect_to(io, s.srv.port());
  REQUIRE(run_until(io, [&] { return c->established(); }));
  // The hello's write has completed, so none of the handshake's is counted below.
  REQUIRE(run_until(io, [&] { return c->stats().frames_sent.get() == 1; }));
  auto frames0 = c->stats().frames_sent.get();
  auto writes0 = c->stats().writes.get();

  int done = 0;
  for (int i = 0; i < 100; ++i)
    c->call(echo, bytes_of("m"), 2000ms, [&](status st, std::span<const std::uint8_t>) {
      if (st == status::ok) ++done;
    });
  REQUIRE(run_until(io, [&] { return done == 100; }));
  auto frames = c->stats().frames_sent.get() - frames0;
  auto writes = c->stats().writes.get() - writes0;
  CHECK(frames >= 100);
  // All 100 in one write. (Writing the first frame at once and the rest
  // after it would make two; the default 1 s heartbeat cannot interfere.)
  CHECK(writes == 1);
  REQUIRE(s.accepted);
  CHECK(s.accepted->stats().writes.get() < s.accepted->stats().frames_sent.get());
  CHECK(c->stats().frames_received.get() >= 101);  // hello_ack + 100 responses
  CHECK(c->stats().bytes_sent.get() > 100 * 16);
}

TEST_CASE("rpc link: the accepting side can call the connector, and a responder may answer later") {
  asio::io_context io;
  server_fixture s(io);
  auto c = rpc_link::create(io, rpc_link::role::connector, opts("frontend-1"));
  asio::steady_timer later(io);
  c->set_request_handler([&](std::uint16_t, std::span<const std::uint8_t> p, responder r) {
    std::vector<std::uint8_t> copy(p.begin(), p.end());
    later.expires_after(30ms);
    later.async_wait([r, copy](const std::error_code&) { r(status::ok, copy); });
  });
  c->connect("127.0.0.1", s.srv.port());
  REQUIRE(run_until(io, [&] { return c->established() && s.accepted && s.accepted->established(); }));
  outcome o;
  s.accepted->call(7, bytes_of("reverse"), 1000ms, record(o));
  REQUIRE(run_until(io, [&] { return o.calls == 1; }));
  CHECK(o.st == status::ok);
  CHECK(o.payload == bytes_of("reverse"));
}
