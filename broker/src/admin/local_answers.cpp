#include "admin/local_answers.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <unistd.h>
#include <vector>

#include "admin/json_text.hpp"
#include "admin/rate_meter.hpp"
#include "cluster/services.hpp"
#include "connection.hpp"
#include "event_loop.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker::admin {
namespace {

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string_view protocol_name(protocol::version v) {
  switch (v) {
    case protocol::version::v3_1: return "3.1";
    case protocol::version::v3_1_1: return "3.1.1";
    case protocol::version::v5: return "5";
  }
  return "?";
}

std::string mqtt_addresses(const config& cfg) {
  std::string out;
  for (const auto& l : cfg.listeners) {
    if (!out.empty()) out += ",";
    out += l.host + ":" + std::to_string(l.port);
  }
  return out;
}

void write_status(server& srv, const rate_meter& rates, json_writer& w) {
  const auto& topo = srv.cluster().topo();
  auto totals = srv.totals();
  auto* channels = srv.cluster().channel();
  w.StartObject();
  put(w, "id", srv.cfg().server_id);
  w.Key("roles");
  w.StartArray();
  if (topo.self_frontend()) put(w, "frontend");
  if (topo.self_channel()) put(w, "channel");
  if (topo.is_gate()) put(w, "gate");
  w.EndArray();
  put(w, "mqtt", mqtt_addresses(srv.cfg()));
  put(w, "rpc", srv.cluster().rpc_address());
  w.Key("reachable");
  w.Bool(true);
  w.Key("uptime_s");
  w.Uint64(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(clock::now() - srv.started_at()).count()));
  w.Key("sessions");
  w.Uint64(srv.session_count());
  w.Key("connections");
  w.Uint64(srv.connection_count());
  // A channel server counts the channels it holds; a frontend alone, those
  // its sessions are members of.
  w.Key("channels");
  w.Uint64(channels ? channels->channel_count() : srv.channels().channel_count());
  w.Key("messages_in");
  w.Uint64(totals.messages_received);
  w.Key("messages_out");
  w.Uint64(totals.messages_sent);
  w.Key("messages_in_per_s");
  w.Double(rates.messages_in_per_s());
  w.Key("messages_out_per_s");
  w.Double(rates.messages_out_per_s());
  w.Key("memory_rss_bytes");
  w.Uint64(resident_bytes());
  w.Key("links");
  w.StartArray();
  for (const auto& l : srv.cluster().link_states()) {
    w.StartObject();
    put(w, "peer", l.peer);
    put(w, "state", l.up ? "up" : "down");
    w.EndObject();
  }
  w.EndArray();
  w.Key("drops");
  w.StartObject();
  w.Key("messages");
  w.Uint64(totals.messages_dropped + totals.scheduler_overflow);
  w.Key("link_calls_failed");
  w.Uint64(channels ? channels->stats().frontend_calls_failed.load() : 0);
  w.EndObject();
  w.EndObject();
}

struct client_row {
  std::string client_id, uid, username, address;
  std::string_view protocol;
  bool connected = false;
  std::size_t subscriptions = 0;
  // clients.show only
  std::uint16_t keep_alive_s = 0;
  std::uint32_t expiry_interval_s = 0;
  std::vector<std::pair<std::string, std::uint8_t>> filters;
  std::size_t inflight = 0, queued = 0;
};

client_row row_of(const session& s, bool detailed) {
  client_row r;
  r.client_id = s.client_id();
  r.uid = s.uid;
  if (auto u = s.username()) r.username = *u;
  r.protocol = protocol_name(s.version);
  r.subscriptions = s.subscriptions().size();
  if (auto* c = s.current_connection()) {
    r.connected = true;
    r.address = c->peer();
    if (detailed) r.keep_alive_s = c->keep_alive_s();
  }
  if (detailed) {
    r.expiry_interval_s = s.expiry_interval_s;
    for (const auto& [filter, o] : s.subscriptions()) r.filters.emplace_back(filter, o.qos);
    r.inflight = s.inflight_count();
    r.queued = s.queued_count();
  }
  return r;
}

void write_row(json_writer& w, const client_row& r, const std::string& frontend, bool detailed) {
  w.StartObject();
  put(w, "client_id", r.client_id);
  put(w, "uid", r.uid);
  put(w, "username", r.username);
  put(w, "frontend", frontend);
  put(w, "address", r.address);
  put(w, "protocol", r.protocol);
  w.Key("connected");
  w.Bool(r.connected);
  if (!detailed) {
    w.Key("subscriptions");
    w.Uint64(r.subscriptions);
  } else {
    w.Key("keep_alive_s");
    w.Uint(r.keep_alive_s);
    w.Key("expiry_interval_s");
    w.Uint(r.expiry_interval_s);
    w.Key("subscriptions");
    w.StartArray();
    for (const auto& [filter, qos] : r.filters) {
      w.StartObject();
      put(w, "filter", filter);
      w.Key("qos");
      w.Uint(qos);
      w.EndObject();
    }
    w.EndArray();
    w.Key("inflight");
    w.Uint64(r.inflight);
    w.Key("queued");
    w.Uint64(r.queued);
  }
  w.EndObject();
}

// Runs per_loop(event_loop&) -> T on every loop, then done(vector<T>) on loop 0.
template <class T, class PerLoop, class Done>
void on_every_loop(server& srv, PerLoop per_loop, Done done) {
  struct gather {
    std::mutex mutex;
    std::vector<T> parts;
    unsigned left = 0;
    std::function<void(std::vector<T>)> done;
  };
  auto g = std::make_shared<gather>();
  g->left = srv.loop_count();
  g->done = std::move(done);
  for (unsigned i = 0; i < srv.loop_count(); ++i) {
    event_loop& loop = srv.loop(i);
    asio::post(loop.context(), [&srv, &loop, g, per_loop] {
      T part = per_loop(loop);
      std::lock_guard lock(g->mutex);
      g->parts.push_back(std::move(part));
      if (--g->left > 0) return;
      asio::post(srv.loop(0).context(), [g] { g->done(std::move(g->parts)); });
    });
  }
}

struct client_part {
  std::vector<client_row> rows;
  std::size_t total = 0;
};

void list_clients(server& srv, const command& c, std::function<void(std::string)> done) {
  on_every_loop<client_part>(
      srv,
      [uid = c.uid, limit = c.limit](event_loop& loop) {
        client_part p;
        auto by_id = [](const client_row& a, const client_row& b) { return a.client_id < b.client_id; };
        // Keeps the `limit` smallest client ids: cut back whenever twice as
        // many are held, so a loop of 300k sessions never copies them all.
        auto keep_first = [&] {
          std::nth_element(p.rows.begin(), p.rows.begin() + static_cast<std::ptrdiff_t>(limit),
                           p.rows.end(), by_id);
          p.rows.resize(limit);
        };
        loop.for_each_session([&](session& s) {
          if (!uid.empty() && s.uid != uid) return;
          ++p.total;
          p.rows.push_back(row_of(s, false));
          if (p.rows.size() >= 2 * limit) keep_first();
        });
        if (p.rows.size() > limit) keep_first();
        return p;
      },
      [&srv, limit = c.limit, done = std::move(done)](std::vector<client_part> parts) {
        std::vector<client_row> rows;
        std::size_t total = 0;
        for (auto& p : parts) {
          total += p.total;
          std::move(p.rows.begin(), p.rows.end(), std::back_inserter(rows));
        }
        std::sort(rows.begin(), rows.end(),
                  [](const auto& a, const auto& b) { return a.client_id < b.client_id; });
        if (rows.size() > limit) rows.resize(limit);
        done(ok_answer([&](json_writer& w) {
          w.StartObject();
          w.Key("clients");
          w.StartArray();
          for (const auto& r : rows) write_row(w, r, srv.cfg().server_id, false);
          w.EndArray();
          w.Key("total");
          w.Uint64(total);
          w.EndObject();
        }));
      });
}

// Runs f(session* or null) on the loop owning `client_id`'s sessions; its
// answer text goes to done on loop 0.
template <class F>
void with_client(server& srv, const std::string& client_id, F f, std::function<void(std::string)> done) {
  event_loop& loop = srv.loop_for_client(client_id);
  asio::post(loop.context(), [&srv, &loop, client_id, f = std::move(f), done = std::move(done)] {
    std::string answer = f(loop.find_session(client_id));
    asio::post(srv.loop(0).context(), [answer = std::move(answer), done] { done(answer); });
  });
}

void list_channels(server& srv, const command& c, std::function<void(std::string)> done) {
  auto* node = srv.cluster().channel();
  cluster::channel_listing listing;
  if (node) listing = node->list_channels(c.prefix, c.limit);
  done(ok_answer([&](json_writer& w) {
    w.StartObject();
    w.Key("channels");
    w.StartArray();
    for (const auto& ch : listing.channels) {
      w.StartObject();
      put(w, "name", ch.name);
      w.Key("members");
      w.Uint64(ch.members);
      w.Key("frontends");
      w.Uint64(ch.frontends);
      w.EndObject();
    }
    w.EndArray();
    w.Key("total");
    w.Uint64(listing.total);
    w.EndObject();
  }));
}

void show_channel(server& srv, const command& c, std::function<void(std::string)> done) {
  auto* node = srv.cluster().channel();
  auto groups = node ? node->channel_members(c.name, c.limit) : std::nullopt;
  done(ok_answer([&](json_writer& w) {
    w.StartObject();
    w.Key("channel");
    if (!groups) {
      w.Null();
      w.EndObject();
      return;
    }
    std::size_t members = 0;
    for (const auto& g : *groups) members += g.members;
    w.StartObject();
    put(w, "name", c.name);
    w.Key("members");
    w.Uint64(members);
    w.Key("frontends");
    w.StartArray();
    for (const auto& g : *groups) {
      w.StartObject();
      put(w, "frontend", g.frontend);
      w.Key("members");
      w.Uint64(g.members);
      w.Key("uids");
      w.StartArray();
      for (const auto& u : g.uids) put(w, u);
      w.EndArray();
      w.Key("truncated");
      w.Bool(g.uids.size() < g.members);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }));
}

}  // namespace

void answer_locally(server& srv, const rate_meter& rates, const command& c,
                    std::function<void(std::string)> done) {
  switch (c.kind) {
    case command_kind::status:
      done(ok_answer([&](json_writer& w) { write_status(srv, rates, w); }));
      return;
    case command_kind::clients_list: list_clients(srv, c, std::move(done)); return;
    case command_kind::clients_show:
      with_client(
          srv, c.client_id,
          [&srv](session* s) {
            return ok_answer([&](json_writer& w) {
              w.StartObject();
              w.Key("client");
              if (s) {
                write_row(w, row_of(*s, true), srv.cfg().server_id, true);
              } else {
                w.Null();
              }
              w.EndObject();
            });
          },
          std::move(done));
      return;
    case command_kind::clients_kick:
      with_client(
          srv, c.client_id,
          [](session* s) {
            std::uint64_t kicked = 0;
            // Read first: the kick may end a non-persistent session, `s` with it.
            const bool offline = s && !s->current_connection();
            if (s && s->current_connection()) {
              s->current_connection()->kick(protocol::reason_code::administrative_action,
                                            "kicked by an operator");
              kicked = 1;
            }
            return ok_answer([&](json_writer& w) {
              w.StartObject();
              w.Key("kicked");
              w.Uint64(kicked);
              w.Key("offline");  // a persistent session with nothing to disconnect
              w.Bool(offline);
              w.EndObject();
            });
          },
          std::move(done));
      return;
    case command_kind::channels_list: list_channels(srv, c, std::move(done)); return;
    case command_kind::channels_show: show_channel(srv, c, std::move(done)); return;
    case command_kind::push:
    case command_kind::broadcast: break;
  }
  done(error_answer(std::string(command_name(c.kind)) + " has no per-server part"));
}

}  // namespace pummelo::broker::admin
