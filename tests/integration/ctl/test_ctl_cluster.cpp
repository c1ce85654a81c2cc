// pummeloctl against a real pummelo cluster (frontend-1, frontend-2,
// channel-1, channel-2 and a gate, one process each): answers gathered
// cluster-wide by the server the CLI connects to.
#include <string>

#include "cluster_support.hpp"
#include "ctl_support.hpp"

using namespace pummelo::test;

namespace {

const strings all_servers{"frontend-1", "frontend-2", "channel-1", "channel-2", "gate"};

std::uint16_t port_of(const cluster_process& c, const std::string& id) {
  return c.server(id).mqtt_port;
}

// Every link of a server's status entry is "up" (and there is at least one).
bool links_up(const rapidjson::Value& server) {
  if (!server.HasMember("links") || !server["links"].IsArray() || server["links"].Empty())
    return false;
  for (const auto& l : server["links"].GetArray())
    if (str_of(l, "state") != "up") return false;
  return true;
}

// Polls `status --json` on `port` (bounded) until `pred(doc)` holds; returns
// the last answer.
template <class Pred>
rapidjson::Document status_until(std::uint16_t port, Pred pred, ms timeout = 10s) {
  rapidjson::Document doc;
  poll_until(
      [&] {
        doc = ctl_json_at(port, {"status"});
        return pred(doc);
      },
      timeout, 200ms);
  return doc;
}

}  // namespace

TEST_CASE("ctl cluster: status lists every server; the gate answers for itself") {
  cluster_process c;
  const auto f1 = port_of(c, "frontend-1");
  const auto doc = status_until(f1, [](const rapidjson::Document& d) {
    for (const char* id : {"frontend-1", "frontend-2", "channel-1", "channel-2"}) {
      const auto* s = find_by(member(d, "servers"), "id", id);
      if (s == nullptr || !links_up(*s)) return false;
    }
    return true;
  });
  const auto& servers = array_of(doc, "servers");
  CHECK(column(servers, "id") == all_servers);
  for (const char* id : {"frontend-1", "frontend-2", "channel-1", "channel-2"}) {
    INFO("server ", id);
    const auto* s = find_by(servers, "id", id);
    REQUIRE(s != nullptr);
    CHECK(bool_of(*s, "reachable") == true);
    CHECK(links_up(*s));
    CHECK(str_of(*s, "rpc") == "127.0.0.1:" + std::to_string(c.server(id).rpc_port));
  }
  CHECK(strings_of(*find_by(servers, "id", "frontend-1"), "roles") == strings{"frontend"});
  CHECK(strings_of(*find_by(servers, "id", "channel-2"), "roles") == strings{"channel"});
  CHECK(str_of(*find_by(servers, "id", "frontend-2"), "mqtt") ==
        "127.0.0.1:" + std::to_string(port_of(c, "frontend-2")));
  // The gate has no RPC listener: a frontend cannot ask it.
  const auto* gate = find_by(servers, "id", "gate");
  REQUIRE(gate != nullptr);
  CHECK(bool_of(*gate, "reachable") == false);
  CHECK(!str_of(*gate, "error").empty());

  const process_result table = ctl_at(f1, {"status"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  REQUIRE(table.status == 0);
  for (const auto& id : all_servers) CHECK(table_row(table.out, id).size() > 1);
  CHECK(table_row(table.out, "frontend-1")[1] == "frontend");
  CHECK(table_row(table.out, "channel-1")[1] == "channel");
  CHECK(contains(table.out, "unreachable: " + str_of(*gate, "error")));

  // Asked directly, the gate answers for itself (and gathers the others').
  const auto via_gate = ctl_json_at(port_of(c, "gate"), {"status"});
  CHECK(column(array_of(via_gate, "servers"), "id") == all_servers);
  for (const auto& s : via_gate["servers"].GetArray()) {
    INFO("server ", str_of(s, "id"), " asked from the gate");
    CHECK(bool_of(s, "reachable") == true);
  }
  const auto* self = find_by(array_of(via_gate, "servers"), "id", "gate");
  REQUIRE(self != nullptr);
  CHECK(bool_of(*self, "reachable") == true);
  CHECK(strings_of(*self, "roles") == strings{"gate"});
  CHECK(str_of(*self, "mqtt") == "127.0.0.1:" + std::to_string(port_of(c, "gate")));
  const process_result gate_table = ctl_at(port_of(c, "gate"), {"status"});
  INFO("gate table:\n", gate_table.out);
  CHECK(gate_table.status == 0);
  CHECK(table_row(gate_table.out, "gate").size() > 1);
  check_clean_stop(c);  // no server crashed answering the admin API
}

TEST_CASE("ctl cluster: clients list across frontends") {
  cluster_process c;
  auto phone1 = connect_to(c, "frontend-1", "phone-1", mqtt_v5, user_opts("alice"));
  auto phone2 = connect_to(c, "frontend-2", "phone-2", mqtt_v311, user_opts("bob"));
  const auto f1 = port_of(c, "frontend-1");

  const auto doc = ctl_json_at(f1, {"clients", "list"});
  const auto& clients = array_of(doc, "clients");
  const auto* c1 = find_by(clients, "client_id", "phone-1");
  const auto* c2 = find_by(clients, "client_id", "phone-2");
  REQUIRE(c1 != nullptr);
  REQUIRE(c2 != nullptr);
  CHECK(str_of(*c1, "frontend") == "frontend-1");
  CHECK(str_of(*c1, "uid") == "alice");
  CHECK(str_of(*c2, "frontend") == "frontend-2");
  CHECK(str_of(*c2, "uid") == "bob");
  CHECK(str_of(*c2, "protocol") == "3.1.1");
  CHECK(int_of(doc, "total") == 3);  // and the CLI's own session on frontend-1
  CHECK(array_of(doc, "unreachable").Size() == 0);

  const process_result table = ctl_at(f1, {"clients", "list"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  REQUIRE(table.status == 0);
  REQUIRE(table_row(table.out, "phone-1").size() >= 4);
  REQUIRE(table_row(table.out, "phone-2").size() >= 4);
  CHECK(table_row(table.out, "phone-1")[3] == "frontend-1");
  CHECK(table_row(table.out, "phone-2")[3] == "frontend-2");

  const auto only2 = ctl_json_at(f1, {"clients", "list", "--frontend", "frontend-2"});
  CHECK(column(array_of(only2, "clients"), "client_id") == strings{"phone-2"});
  CHECK(int_of(only2, "total") == 1);
  const process_result t2 = ctl_at(f1, {"clients", "list", "--frontend", "frontend-2"});
  INFO("table --frontend frontend-2:\n", t2.out);
  CHECK(t2.status == 0);
  CHECK(table_row(t2.out, "phone-1").empty());
  CHECK(table_row(t2.out, "phone-2").size() >= 4);

  check_failure(ctl_at(f1, {"clients", "list", "--frontend", "frontend-9"}), 1,
                "no such frontend: frontend-9");
  check_clean_stop(c);  // no server crashed answering the admin API
}

TEST_CASE("ctl cluster: channels show groups members by frontend") {
  cluster_process c;
  auto phone1 = connect_to(c, "frontend-1", "phone-1", mqtt_v5, user_opts("alice"));
  auto phone2 = connect_to(c, "frontend-2", "phone-2", mqtt_v5, user_opts("bob"));
  auto phone3 = connect_to(c, "frontend-2", "phone-3", mqtt_v5, user_opts("carol"));
  for (auto* p : {phone1.get(), phone2.get(), phone3.get()}) p->subscribe("news", 1);
  const auto f1 = port_of(c, "frontend-1");

  rapidjson::Document doc;
  poll_until(
      [&] {
        doc = ctl_json_at(f1, {"channels", "show", "news"});
        return int_of(member(doc, "channel"), "members") == 3;
      },
      10s, 200ms);
  const auto& ch = member(doc, "channel");
  CHECK(int_of(ch, "members") == 3);
  const auto& groups = array_of(ch, "frontends");
  CHECK(column(groups, "frontend") == strings{"frontend-1", "frontend-2"});
  const auto* g1 = find_by(groups, "frontend", "frontend-1");
  const auto* g2 = find_by(groups, "frontend", "frontend-2");
  REQUIRE(g1 != nullptr);
  REQUIRE(g2 != nullptr);
  CHECK(int_of(*g1, "members") == 1);
  CHECK(strings_of(*g1, "uids") == strings{"alice"});
  CHECK(int_of(*g2, "members") == 2);
  CHECK(strings_of(*g2, "uids") == strings{"bob", "carol"});

  const process_result table = ctl_at(f1, {"channels", "show", "news"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  REQUIRE(table.status == 0);
  CHECK(contains(table.out, "channel news: 3 members on 2 frontends\n"));
  CHECK(contains(table.out, "frontend-1: 1 member\n  alice\n"));
  CHECK(contains(table.out, "frontend-2: 2 members\n  bob\n  carol\n"));

  const auto list = ctl_json_at(f1, {"channels", "list"});
  const auto* news = find_by(array_of(list, "channels"), "name", "news");
  REQUIRE(news != nullptr);
  CHECK(int_of(*news, "members") == 3);
  CHECK(int_of(*news, "frontends") == 2);
  check_clean_stop(c);  // no server crashed answering the admin API
}

TEST_CASE("ctl cluster: push through the gate reaches a frontend's client") {
  cluster_process c;
  auto phone2 = connect_to(c, "frontend-2", "phone-2", mqtt_v5, user_opts("bob"));
  const process_result r = ctl_at(port_of(c, "gate"), {"push", "--topic", "push/bob/1",
                                                       "--payload", "via-gate", "--uids", "bob"});
  INFO("out:\n", r.out, "stderr: ", r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "pushed to 1 session\n");
  auto m = phone2->wait_message_on("push/bob/1", 5s);
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "via-gate");

  const auto doc = ctl_json_at(port_of(c, "gate"), {"push", "--topic", "push/bob/2", "--payload",
                                                    "again", "--uids", "bob,zed", "--qos", "1"});
  CHECK(int_of(doc, "sessions") == 1);
  CHECK(strings_of(doc, "failed_uids") == strings{"zed"});
  m = phone2->wait_message_on("push/bob/2", 5s);
  REQUIRE(m);
  CHECK((*m)->get_qos() == 1);
  check_clean_stop(c);  // no server crashed answering the admin API
}

TEST_CASE("ctl cluster: status after a channel server was killed") {
  cluster_process c;
  const auto f1 = port_of(c, "frontend-1");
  c.kill9("channel-2");
  const auto doc = status_until(f1, [](const rapidjson::Document& d) {
    const auto* s = find_by(member(d, "servers"), "id", "channel-2");
    return s != nullptr && bool_of(*s, "reachable") == false;
  });
  const auto& servers = array_of(doc, "servers");
  CHECK(column(servers, "id") == all_servers);
  const auto* dead = find_by(servers, "id", "channel-2");
  REQUIRE(dead != nullptr);
  CHECK(bool_of(*dead, "reachable") == false);
  const std::string error = str_of(*dead, "error");
  CHECK(!error.empty());
  for (const char* id : {"frontend-1", "frontend-2", "channel-1"}) {
    INFO("server ", id);
    CHECK(bool_of(*find_by(servers, "id", id), "reachable") == true);
  }
  for (const char* id : {"frontend-1", "frontend-2"}) {
    INFO("links of ", id);
    const auto& links = array_of(*find_by(servers, "id", id), "links");
    const auto* to_dead = find_by(links, "peer", "channel-2");
    REQUIRE(to_dead != nullptr);
    CHECK(str_of(*to_dead, "state") == "down");
  }

  const process_result table = ctl_at(f1, {"status"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  CHECK(table.status == 0);
  // Its roles come from the config; the rest of the row is the error.
  const auto row = table_row(table.out, "channel-2");
  REQUIRE(row.size() > 1);
  CHECK(row[1] == "channel");
  CHECK(contains(table.out, "unreachable: " + error + "\n"));
  CHECK(contains(table.out, "channel-1 up, channel-2 down"));  // the frontends' links
  check_clean_stop(c);  // no server crashed answering the admin API
}
