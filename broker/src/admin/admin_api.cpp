#include "admin/admin_api.hpp"

#include <asio/post.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>

#include "admin/admin_command.hpp"
#include "admin/admin_gather.hpp"
#include "admin/admin_merge.hpp"
#include "admin/json_text.hpp"
#include "admin/local_answers.hpp"
#include "cluster/services.hpp"
#include "event_loop.hpp"
#include "log.hpp"
#include "push_api.hpp"
#include "rpc/client.hpp"
#include "server.hpp"

namespace pummelo::broker::admin {
namespace {

parse_limits limits_of(const server& srv) {
  parse_limits lim;
  lim.max_uids = srv.cfg().limits.max_push_uids;
  lim.max_payload = srv.cfg().limits.max_packet_size;
  lim.topic_limits = srv.codec_limits();
  return lim;
}

std::vector<target> only(const std::vector<target>& all, const std::vector<std::string>& ids) {
  std::vector<target> out;
  for (const auto& t : all)
    if (std::find(ids.begin(), ids.end(), t.id) != ids.end()) out.push_back(t);
  return out;
}

// The targets among `all` that `list` (the frontends, the channel servers) names.
std::vector<target> only(const std::vector<target>& all, const std::vector<cluster_server>& list) {
  std::vector<std::string> ids;
  for (const auto& s : list) ids.push_back(s.id);
  return only(all, ids);
}

// The admin command as the push API's request (push with uids, broadcast,
// kick by uid), carried out by the same code.
push_request as_push_request(const command& c) {
  push_request r;
  r.kind = c.kind == command_kind::broadcast  ? push_kind::broadcast
           : c.kind == command_kind::push     ? push_kind::uids
                                              : push_kind::kick;
  r.topic = c.topic;
  r.payload = c.payload;
  r.qos = c.qos;
  if (c.uids) r.uids = *c.uids;
  if (c.kind == command_kind::clients_kick) r.uids.push_back(c.uid);
  return r;
}

// Relays to each frontend in turn until one answers.
void relay_in_turn(server& srv, std::vector<target> frontends, std::size_t i,
                   const std::string& request_json, std::function<void(std::string)> answer,
                   std::string errors = {}) {
  if (i >= frontends.size()) return answer(error_answer("no frontend reachable (" + errors + ")"));
  target t = frontends[i];
  relay(srv, t, request_json,
        [&srv, frontends = std::move(frontends), i, request_json, answer,
         errors](std::optional<std::string> text, std::string error, bool maybe_done) mutable {
          if (text) return answer(std::move(*text));
          // Never twice: a push the frontend got but did not answer may have
          // been delivered, so it is not handed to the next one.
          if (maybe_done)
            return answer(error_answer(frontends[i].id + " did not answer (" + error +
                                       "); the command may have been carried out"));
          errors += (errors.empty() ? "" : ", ") + frontends[i].id + ": " + error;
          relay_in_turn(srv, std::move(frontends), i + 1, request_json, std::move(answer),
                        std::move(errors));
        });
}

}  // namespace

admin_service::admin_service(server& srv) : srv_(srv), rates_(srv, srv.loop(0).context()) {}

void admin_service::start() {
  rates_.start();
  srv_.cluster().set_admin_handler([this](bool relayed, std::string request_json,
                                          rpc::responder respond) {
    auto parsed = parse_command(request_json, limits_of(srv_));
    // A responder is used on its link's loop (0) only; a push's answer comes
    // from whichever loop finished last.
    auto reply = [this, respond](std::string answer) {
      asio::post(srv_.loop(0).context(), [this, respond, answer = std::move(answer)]() mutable {
        if (answer.size() > max_rpc_answer_bytes())
          answer = error_answer(srv_.cfg().server_id + "'s answer is too large for the RPC link (" +
                                std::to_string(answer.size()) + " bytes): ask for fewer with --limit");
        respond(rpc::status::ok,
                std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(answer.data()),
                                              answer.size()));
      });
    };
    if (!parsed.cmd) {
      reply(error_answer(parsed.error));
      return;
    }
    if (relayed) {
      execute(*parsed.cmd, request_json, reply);
    } else {
      answer_locally(srv_, rates_, *parsed.cmd, reply);
    }
  });
}

void admin_service::stop() {
  rates_.stop();
  for (auto& weak : links_)
    if (auto l = weak.lock()) l->stop();  // their pending calls fail, their cycles end
  links_.clear();
}

void admin_service::track(const std::shared_ptr<rpc::client>& link) {
  std::erase_if(links_, [](const auto& w) { return w.expired(); });
  links_.push_back(link);
}

std::size_t admin_service::max_rpc_answer_bytes() const {
  const auto& c = srv_.cfg().cluster;
  if (!c) return SIZE_MAX;
  // Half the frame and write-queue limits: room for the frame around it, and
  // for the link's other traffic.
  return std::min<std::size_t>(c->rpc.max_frame_size, c->rpc.max_write_queue_bytes) / 2;
}

void admin_service::handle_request(std::string payload, const protocol::properties& props) {
  auto parsed = parse_command(payload, limits_of(srv_));
  reply_address to;
  to.topic = props.response_topic ? props.response_topic : parsed.reply_to;
  to.correlation_data = props.correlation_data;
  if (!parsed.cmd) {
    log(log_level::info, "rejected admin request: ", parsed.error);
    send_admin_reply(srv_, to, error_answer(parsed.error));
    return;
  }
  // Gathering runs on loop 0, where the links and the rate meter live.
  asio::post(srv_.loop(0).context(),
             [this, c = std::move(*parsed.cmd), json = std::move(payload), to = std::move(to)] {
               execute(c, json,
                       [this, to](std::string text) { send_admin_reply(srv_, to, std::move(text)); });
             });
}

void admin_service::execute(const command& c, const std::string& request_json, answer_fn answer) {
  const auto all = every_server(srv_);
  const auto& topo = srv_.cluster().topo();
  const bool needs_frontend = c.kind == command_kind::push || c.kind == command_kind::broadcast ||
                              (c.kind == command_kind::clients_kick && c.client_id.empty());
  if (needs_frontend && !topo.self_frontend()) {
    // A gate has no links to the channel servers: a frontend does it.
    auto frontends = only(all, topo.frontends());
    relay_in_turn(srv_, std::move(frontends), 0, request_json, std::move(answer));
    return;
  }
  auto ask = [&](std::vector<target> targets, auto merge) {
    gather(srv_, rates_, c, request_json, std::move(targets),
           [answer, c, merge](std::vector<server_part> parts) { answer(merge(parts, c)); });
  };
  switch (c.kind) {
    case command_kind::status:
      gather(srv_, rates_, c, request_json, all, [this, answer](std::vector<server_part> parts) {
        answer(merge_status(parts, srv_.cfg()));
      });
      return;
    case command_kind::clients_list: {
      auto frontends = only(all, topo.frontends());
      if (!c.frontend.empty()) {
        frontends = only(frontends, std::vector<std::string>{c.frontend});
        if (frontends.empty()) return answer(error_answer("no such frontend: " + c.frontend));
      }
      return ask(frontends, merge_client_list);
    }
    case command_kind::clients_show:
      return ask(only(all, topo.frontends()), merge_client_show);
    case command_kind::clients_kick:
      if (!c.client_id.empty()) return ask(only(all, topo.frontends()), merge_client_kick);
      return push(c, std::move(answer));
    case command_kind::channels_list:
      return ask(only(all, topo.channel_servers()), merge_channel_list);
    case command_kind::channels_show: {
      std::vector<std::string> holders;
      for (auto i : topo.holders(c.name)) holders.push_back(topo.channel_servers()[i].id);
      return ask(only(all, holders), merge_channel_show);
    }
    case command_kind::push:
    case command_kind::broadcast: return push(c, std::move(answer));
  }
}

void admin_service::push(const command& c, answer_fn answer) {
  if (c.kind == command_kind::push && !c.uids) {
    // No uids: an ordinary publish, to every member of the topic's channel.
    auto m = std::make_shared<message>();
    m->topic = c.topic;
    m->payload = c.payload;
    m->qos = c.qos;
    m->origin_frontend = srv_.frontend_index();
    srv_.publish(m, [answer](bool accepted) {
      if (!accepted) return answer(error_answer("channel server unreachable"));
      answer(ok_answer([](json_writer& w) {
        w.StartObject();
        w.Key("published");
        w.Bool(true);
        w.EndObject();
      }));
    });
    return;
  }
  const bool kick = c.kind == command_kind::clients_kick;
  carry_out_push(srv_, as_push_request(c), 0, [answer, kick, uid = c.uid](push_outcome out) {
    if (!out.ok) return answer(error_answer(out.error));
    if (kick && out.sessions == 0) return answer(error_answer("no sessions for uid: " + uid));
    answer(ok_answer([&](json_writer& w) {
      w.StartObject();
      if (kick) {
        w.Key("kicked");
        w.Uint64(out.sessions);
      } else {
        write_push_result(w, out);
      }
      w.EndObject();
    }));
  });
}

}  // namespace pummelo::broker::admin
