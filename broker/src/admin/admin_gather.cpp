#include "admin/admin_gather.hpp"

#include <asio/post.hpp>
#include <memory>
#include <optional>

#include "admin/admin_api.hpp"
#include "admin/local_answers.hpp"
#include "cluster/services.hpp"
#include "cluster/wire.hpp"
#include "rpc/client.hpp"
#include "server.hpp"

namespace pummelo::broker::admin {
namespace {

// Reads an {"ok":...} answer into `part`.
void take_answer(server_part& part, std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("ok") || !doc["ok"].IsBool()) {
    part.error = "malformed answer";
    return;
  }
  if (!doc["ok"].GetBool()) {
    part.error = doc.HasMember("error") && doc["error"].IsString() ? doc["error"].GetString()
                                                                   : "failed";
    return;
  }
  if (doc.HasMember("result")) part.result.CopyFrom(doc["result"], part.result.GetAllocator());
}

struct gathering {
  std::vector<server_part> parts;
  std::size_t left = 0;
  std::function<void(std::vector<server_part>)> done;
  void finished_one() {
    if (--left == 0) done(std::move(parts));
  }
};

std::chrono::milliseconds call_timeout(const server& srv) {
  const auto& c = srv.cfg().cluster;
  return std::chrono::milliseconds(c ? c->rpc.call_timeout_ms : 5000);
}

// One call on a link of its own, closed after the answer (or at shutdown:
// admin_service::stop()).
void call_once(server& srv, const target& t, std::uint16_t method, const std::string& request_json,
               std::chrono::milliseconds timeout, relay_done done) {
  auto& io = srv.loop(0).context();
  auto client = std::make_shared<rpc::client>(io, t.host, t.rpc_port,
                                              srv.cluster().admin_link_options());
  if (auto* a = srv.admin()) a->track(client);
  client->start();
  std::span<const std::uint8_t> payload(reinterpret_cast<const std::uint8_t*>(request_json.data()),
                                        request_json.size());
  client->call(method, payload, timeout,
               [&io, client, done = std::move(done)](rpc::status st, std::span<const std::uint8_t> body) {
                 std::string text(reinterpret_cast<const char*>(body.data()), body.size());
                 // Not from inside the client's own callback.
                 asio::post(io, [client] { client->stop(); });
                 if (st == rpc::status::ok) return done(std::move(text), {}, true);
                 // A link that failed before answering says why (e.g. "connect
                 // failed: Connection refused"); the call's status alone does not.
                 if (text.empty()) text = client->last_close_reason();
                 // Once a handshake completed, the request may have been carried out.
                 const bool maybe_done = client->connections() > 0;
                 done(std::nullopt,
                      st == rpc::status::timeout ? "timed out"
                      : text.empty()             ? std::string(to_string(st))
                                                 : text,
                      maybe_done);
               });
}

void ask_remote(server& srv, const target& t, const std::string& request_json,
                std::shared_ptr<gathering> g, std::size_t slot) {
  call_once(srv, t, cluster::method::admin, request_json, call_timeout(srv),
            [g, slot](std::optional<std::string> answer, std::string error, bool) {
              auto& part = g->parts[slot];
              if (answer) {
                part.reachable = true;
                take_answer(part, *answer);
              } else {
                part.error = std::move(error);
              }
              g->finished_one();
            });
}

}  // namespace

void relay(server& srv, const target& t, const std::string& request_json, relay_done done) {
  // Longer than the frontend's own calls to the channel servers, so that it
  // answers (perhaps with their failure) before we give up on it.
  call_once(srv, t, cluster::method::admin_relay, request_json, 2 * call_timeout(srv),
            std::move(done));
}

std::vector<target> every_server(server& srv) {
  const auto& topo = srv.cluster().topo();
  std::vector<target> out;
  auto add = [&out](const cluster_server& s) {
    for (const auto& t : out)
      if (t.id == s.id) return;
    out.push_back({s.id, s.host, s.rpc_port});
  };
  for (const auto& s : topo.frontends()) add(s);
  for (const auto& s : topo.channel_servers()) add(s);
  if (srv.cfg().cluster)
    for (const auto& s : srv.cfg().cluster->gates) add(s);
  return out;
}

void gather(server& srv, const rate_meter& rates, const command& c, const std::string& request_json,
            std::vector<target> targets, std::function<void(std::vector<server_part>)> done) {
  auto g = std::make_shared<gathering>();
  g->parts.resize(targets.size());
  g->left = targets.size() + 1;  // +1: held until every question is out
  g->done = std::move(done);
  const auto& self = srv.cfg().server_id;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    g->parts[i].id = t.id;
    if (t.id == self) {
      answer_locally(srv, rates, c, [g, i](std::string answer) {
        g->parts[i].reachable = true;
        take_answer(g->parts[i], answer);
        g->finished_one();
      });
    } else if (t.rpc_port == 0) {
      g->parts[i].error = "no RPC listener (ask it on its own MQTT port)";
      g->finished_one();
    } else {
      ask_remote(srv, t, request_json, g, i);
    }
  }
  g->finished_one();
}

}  // namespace pummelo::broker::admin
