// pummeloctl against a real standalone pummelo broker (anonymous, loopback,
// as in the quick start): every command's table and --json output, and the
// error cases. Each case starts its own broker with three test clients:
//   phone-1   user alice, MQTT 5,     subscribed to push/alice/# (QoS 1), news (QoS 0)
//   phone-2   user bob,   MQTT 3.1.1, subscribed to news (QoS 1)
//   sensor-3  anonymous,  MQTT 5,     subscribed to alerts (QoS 0)
#include <algorithm>
#include <sstream>
#include <string>

#include "ctl_support.hpp"
#include "push_support.hpp"

using namespace pummelo::test;

namespace {

constexpr int administrative_action = 0x98;

struct standalone {
  broker_process broker{broker_kind::pummelo};
  std::unique_ptr<mqtt_client> phone1, phone2, sensor3;

  standalone() {
    phone1 = connect_client(broker, "phone-1", mqtt_v5, as_user("alice"));
    phone1->subscribe("push/alice/#", 1);
    phone1->subscribe("news", 0);
    phone2 = connect_client(broker, "phone-2", mqtt_v311, as_user("bob"));
    phone2->subscribe("news", 1);
    sensor3 = connect_client(broker, "sensor-3", mqtt_v5);
    sensor3->subscribe("alerts", 0);
  }

  process_result ctl(const std::vector<std::string>& args) { return ctl_at(broker.port(), args); }
  rapidjson::Document json(const std::vector<std::string>& args) {
    return ctl_json_at(broker.port(), args);
  }
  std::string mqtt_address() const { return "127.0.0.1:" + std::to_string(broker.port()); }
};

// Expects one message on `topic` with `payload` (and `qos`) within 5 s.
void expect_message(mqtt_client& c, const std::string& topic, const std::string& payload,
                    int qos = -1) {
  INFO("client ", c.client_id(), " waiting for ", topic);
  auto m = c.wait_message_on(topic, 5s);
  REQUIRE_MESSAGE(m, "no message on ", topic);
  CHECK((*m)->get_payload_str() == payload);
  if (qos >= 0) CHECK((*m)->get_qos() == qos);
}

}  // namespace

TEST_CASE("ctl standalone: status shows the one server with all roles") {
  standalone s;
  const process_result table = s.ctl({"status"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  REQUIRE(table.status == 0);
  const auto row = table_row(table.out, "pummelo");
  REQUIRE(row.size() >= 3);
  CHECK(row[1] == "frontend,channel,gate");
  CHECK(row[2] == s.mqtt_address());
  CHECK(table_row(table.out, "ID").size() > 1);  // the header

  const auto doc = s.json({"status"});
  const auto& servers = array_of(doc, "servers");
  REQUIRE(servers.Size() == 1);
  const auto& srv = servers[0];
  CHECK(str_of(srv, "id") == "pummelo");
  CHECK(strings_of(srv, "roles") == std::vector<std::string>{"frontend", "channel", "gate"});
  CHECK(str_of(srv, "mqtt") == s.mqtt_address());
  CHECK(bool_of(srv, "reachable") == true);
  CHECK(int_of(srv, "sessions") >= 3);
  CHECK(int_of(srv, "connections") >= 3);
  CHECK(int_of(srv, "uptime_s") >= 0);
  CHECK(int_of(srv, "memory_rss_bytes") > 0);
  CHECK(array_of(srv, "links").Size() == 0);
}

TEST_CASE("ctl standalone: clients list, filtered by uid and limited") {
  standalone s;
  const process_result table = s.ctl({"clients", "list"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  REQUIRE(table.status == 0);
  const auto p1 = table_row(table.out, "phone-1");
  const auto p2 = table_row(table.out, "phone-2");
  const auto s3 = table_row(table.out, "sensor-3");
  REQUIRE(p1.size() >= 4);
  REQUIRE(p2.size() >= 4);
  REQUIRE(s3.size() >= 4);
  CHECK(p1[1] == "alice");
  CHECK(p1[2] == "alice");
  CHECK(p1[3] == "pummelo");
  CHECK(p2[1] == "bob");
  CHECK(s3[1] == "-");  // no uid
  CHECK(contains(table.out, "MQTT 3.1.1"));

  const auto doc = s.json({"clients", "list"});
  const auto& clients = array_of(doc, "clients");
  const auto* c1 = find_by(clients, "client_id", "phone-1");
  const auto* c2 = find_by(clients, "client_id", "phone-2");
  const auto* c3 = find_by(clients, "client_id", "sensor-3");
  REQUIRE(c1 != nullptr);
  REQUIRE(c2 != nullptr);
  REQUIRE(c3 != nullptr);
  CHECK(str_of(*c1, "uid") == "alice");
  CHECK(str_of(*c1, "username") == "alice");
  CHECK(str_of(*c1, "protocol") == "5");
  CHECK(str_of(*c1, "frontend") == "pummelo");
  CHECK(bool_of(*c1, "connected") == true);
  CHECK(int_of(*c1, "subscriptions") == 2);
  CHECK(str_of(*c2, "uid") == "bob");
  CHECK(str_of(*c2, "protocol") == "3.1.1");
  CHECK(bool_of(*c2, "connected") == true);
  CHECK(str_of(*c3, "uid") == "");
  CHECK(str_of(*c3, "username") == "");
  // The CLI's own session is listed too: 3 test clients + 1.
  CHECK(int_of(doc, "total") == 4);
  CHECK(bool_of(doc, "truncated") == false);
  CHECK(array_of(doc, "unreachable").Size() == 0);

  SUBCASE("--uid alice") {
    const process_result t = s.ctl({"clients", "list", "--uid", "alice"});
    INFO("table:\n", t.out);
    REQUIRE(t.status == 0);
    CHECK(!table_row(t.out, "phone-1").empty());
    CHECK(table_row(t.out, "phone-2").empty());
    CHECK(contains(t.out, "1 client\n"));
    const auto d = s.json({"clients", "list", "--uid", "alice"});
    CHECK(column(array_of(d, "clients"), "client_id") == std::vector<std::string>{"phone-1"});
    CHECK(int_of(d, "total") == 1);
    CHECK(bool_of(d, "truncated") == false);
  }
  SUBCASE("--limit 1") {
    const process_result t = s.ctl({"clients", "list", "--limit", "1"});
    INFO("table:\n", t.out);
    REQUIRE(t.status == 0);
    CHECK(contains(t.out, "listed 1 of 4 clients"));
    const auto d = s.json({"clients", "list", "--limit", "1"});
    CHECK(array_of(d, "clients").Size() == 1);
    CHECK(int_of(d, "total") == 4);
    CHECK(bool_of(d, "truncated") == true);
  }
}

TEST_CASE("ctl standalone: clients show") {
  standalone s;
  const process_result table = s.ctl({"clients", "show", "phone-1"});
  INFO("table:\n", table.out, "stderr: ", table.err);
  REQUIRE(table.status == 0);
  CHECK(table_row(table.out, "uid:") == std::vector<std::string>{"uid:", "alice"});
  CHECK(table_row(table.out, "frontend:") == std::vector<std::string>{"frontend:", "pummelo"});
  CHECK(table_row(table.out, "push/alice/#") == std::vector<std::string>{"push/alice/#", "1"});
  CHECK(table_row(table.out, "news") == std::vector<std::string>{"news", "0"});

  const auto doc = s.json({"clients", "show", "phone-1"});
  REQUIRE(doc.HasMember("client"));
  const auto& c = doc["client"];
  CHECK(str_of(c, "client_id") == "phone-1");
  CHECK(str_of(c, "uid") == "alice");
  CHECK(str_of(c, "protocol") == "5");
  CHECK(bool_of(c, "connected") == true);
  CHECK(int_of(c, "keep_alive_s") == 30);
  const auto& subs = array_of(c, "subscriptions");
  REQUIRE(subs.Size() == 2);
  const auto* push = find_by(subs, "filter", "push/alice/#");
  const auto* news = find_by(subs, "filter", "news");
  REQUIRE(push != nullptr);
  REQUIRE(news != nullptr);
  CHECK(int_of(*push, "qos") == 1);
  CHECK(int_of(*news, "qos") == 0);

  check_failure(s.ctl({"clients", "show", "nope"}), 1, "no such client: nope");
  check_failure(s.ctl({"clients", "show", "nope", "--json"}), 1, "no such client: nope");
}

TEST_CASE("ctl standalone: channels list and show") {
  standalone s;
  const process_result list = s.ctl({"channels", "list"});
  INFO("list:\n", list.out, "stderr: ", list.err);
  REQUIRE(list.status == 0);
  CHECK(table_row(list.out, "news") == std::vector<std::string>{"news", "2", "1"});
  CHECK(table_row(list.out, "alerts") == std::vector<std::string>{"alerts", "1", "1"});
  CHECK(!contains(list.out, "$CONTROL"));  // the CLI's own response channel

  const auto doc = s.json({"channels", "list"});
  const auto& channels = array_of(doc, "channels");
  CHECK(column(channels, "name") ==
        std::vector<std::string>{"alerts", "news", "push/alice/#"});
  const auto* news = find_by(channels, "name", "news");
  REQUIRE(news != nullptr);
  CHECK(int_of(*news, "members") == 2);
  CHECK(int_of(*news, "frontends") == 1);
  CHECK(int_of(doc, "total") == 3);
  CHECK(bool_of(doc, "truncated") == false);

  // '$' channels only when the prefix asks for them.
  const auto dollar = s.json({"channels", "list", "--prefix", "$CONTROL/"});
  CHECK(array_of(dollar, "channels").Size() == 1);

  const process_result show = s.ctl({"channels", "show", "news"});
  INFO("show:\n", show.out, "stderr: ", show.err);
  REQUIRE(show.status == 0);
  CHECK(contains(show.out, "channel news: 2 members on 1 frontend\n"));
  CHECK(contains(show.out, "pummelo: 2 members\n  alice\n  bob\n"));

  const auto d = s.json({"channels", "show", "news"});
  REQUIRE(d.HasMember("channel"));
  const auto& ch = d["channel"];
  CHECK(str_of(ch, "name") == "news");
  CHECK(int_of(ch, "members") == 2);
  const auto& groups = array_of(ch, "frontends");
  REQUIRE(groups.Size() == 1);
  CHECK(str_of(groups[0], "frontend") == "pummelo");
  CHECK(int_of(groups[0], "members") == 2);
  CHECK(strings_of(groups[0], "uids") == std::vector<std::string>{"alice", "bob"});
  CHECK(bool_of(groups[0], "truncated") == false);

  // A session without a uid is a "$client/<id>" member.
  const auto alerts = s.json({"channels", "show", "alerts"});
  const auto& alert_groups = array_of(member(alerts, "channel"), "frontends");
  REQUIRE(alert_groups.Size() == 1);
  CHECK(strings_of(alert_groups[0], "uids") == std::vector<std::string>{"$client/sensor-3"});

  check_failure(s.ctl({"channels", "show", "nonews"}), 1, "no such channel: nonews");
}

TEST_CASE("ctl standalone: push to uids, publish on a topic, broadcast") {
  standalone s;
  SUBCASE("push --uids") {
    const process_result r =
        s.ctl({"push", "--topic", "push/alice/x", "--payload", "hi", "--uids", "alice,zed"});
    INFO("out:\n", r.out, "stderr: ", r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "pushed to 1 session\nfailed uids: zed\n");
    expect_message(*s.phone1, "push/alice/x", "hi", 0);

    const auto d = s.json({"push", "--topic", "push/alice/y", "--payload", "hi2", "--uids",
                           "alice,zed", "--qos", "1"});
    CHECK(int_of(d, "sessions") == 1);
    CHECK(strings_of(d, "failed_uids") == std::vector<std::string>{"zed"});
    expect_message(*s.phone1, "push/alice/y", "hi2", 1);
    CHECK(s.phone2->expect_no_message(300ms));
  }
  SUBCASE("push without --uids publishes on the topic") {
    const process_result r = s.ctl({"push", "--topic", "news", "--payload", "n1"});
    INFO("out:\n", r.out, "stderr: ", r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "published on news\n");
    expect_message(*s.phone1, "news", "n1", 0);
    expect_message(*s.phone2, "news", "n1", 0);

    const auto d = s.json({"push", "--topic", "news", "--payload", "n2", "--qos", "1"});
    CHECK(bool_of(d, "published") == true);
    expect_message(*s.phone1, "news", "n2", 0);  // subscribed with QoS 0
    expect_message(*s.phone2, "news", "n2", 1);
    CHECK(s.sensor3->expect_no_message(300ms));
  }
  SUBCASE("broadcast") {
    const process_result r = s.ctl({"broadcast", "--topic", "bc", "--payload", "b1"});
    INFO("out:\n", r.out, "stderr: ", r.err);
    REQUIRE(r.status == 0);
    // Every online session: the 3 test clients and the CLI itself.
    CHECK(r.out == "delivered to 4 sessions\n");
    for (auto* c : {s.phone1.get(), s.phone2.get(), s.sensor3.get()})
      expect_message(*c, "bc", "b1", 0);

    const auto d = s.json({"broadcast", "--topic", "bc", "--payload", "b2", "--qos", "1"});
    CHECK(int_of(d, "sessions") == 4);
    for (auto* c : {s.phone1.get(), s.phone2.get(), s.sensor3.get()})
      expect_message(*c, "bc", "b2", 1);
  }
}

TEST_CASE("ctl standalone: clients kick") {
  standalone s;
  const process_result r = s.ctl({"clients", "kick", "--client", "phone-1"});
  INFO("out:\n", r.out, "stderr: ", r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "kicked 1 session\n");
  CHECK(s.phone1->wait_server_disconnect(5s) == administrative_action);
  CHECK_FALSE(s.phone2->connection_lost());

  const auto d = s.json({"clients", "kick", "--uid", "bob"});
  CHECK(int_of(d, "kicked") == 1);
  CHECK(s.phone2->wait_connection_lost(5s));
  CHECK_FALSE(s.sensor3->connection_lost());

  const auto left = s.json({"clients", "list"});
  const auto ids = column(array_of(left, "clients"), "client_id");
  CHECK(std::find(ids.begin(), ids.end(), "phone-1") == ids.end());
  CHECK(std::find(ids.begin(), ids.end(), "sensor-3") != ids.end());

  check_failure(s.ctl({"clients", "kick", "--client", "nope"}), 1, "no such client: nope");
  check_failure(s.ctl({"clients", "kick", "--uid", "nobody"}), 1, "no sessions for uid: nobody");
}

TEST_CASE("ctl standalone: kicking an offline persistent session says it is not connected") {
  standalone s;
  {
    auto tablet = connect_client(s.broker, "tablet-9", mqtt_v5, persistent(300));
    tablet->disconnect();
  }
  const auto shown = s.json({"clients", "show", "tablet-9"});
  CHECK(bool_of(member(shown, "client"), "connected") == false);
  check_failure(s.ctl({"clients", "kick", "--client", "tablet-9"}), 1,
                "client tablet-9 is not connected");
}

TEST_CASE("ctl standalone: top --count 2") {
  standalone s;
  const process_result r = s.ctl({"top", "--count", "2"});
  INFO("out:\n", r.out, "stderr: ", r.err);
  CHECK(r.status == 0);
  CHECK(count_lines_starting(r.out, "pummeloctl top - " + s.mqtt_address()) == 2);
  CHECK(count_lines_starting(r.out, "TOTAL") == 2);
  CHECK(count_lines_starting(r.out, "pummelo ") == 2);
  CHECK(!contains(r.out, "\x1b"));  // not a terminal: no escape codes

  const process_result j = s.ctl({"top", "--count", "2", "--json"});
  INFO("json out:\n", j.out);
  CHECK(j.status == 0);
  std::istringstream lines(j.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto doc = parse_object(line);
    CHECK(array_of(doc, "servers").Size() == 1);
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("ctl standalone: connection and usage errors") {
  const refusing_port refusing;
  const std::uint16_t closed = refusing.port();
  const process_result r = ctl_at(closed, {"status"});
  check_failure(r, 1,
                "cannot connect to 127.0.0.1:" + std::to_string(closed) + ": connection refused");

  standalone s;
  check_usage_error(s.ctl({}), "missing command");
  check_usage_error(s.ctl({"bogus"}), "unknown command 'bogus'");
  check_usage_error(s.ctl({"status", "--bogus"}), "unknown option '--bogus'");
  check_usage_error(s.ctl({"clients"}), "clients: missing subcommand (list, show or kick)");
  check_usage_error(s.ctl({"clients", "show"}), "missing CLIENT_ID");
  check_usage_error(s.ctl({"clients", "kick"}), "give exactly one of --uid and --client");
  check_usage_error(s.ctl({"clients", "list", "--limit", "0"}),
                    "--limit must be an integer from 1 to 100000");
  check_usage_error(s.ctl({"push", "--topic", "x"}), "missing --payload");
  check_usage_error(s.ctl({"push", "--topic", "x", "--payload", "y", "--qos", "2"}),
                    "--qos must be 0 or 1");
  check_usage_error(s.ctl({"broadcast", "--payload", "y"}), "missing --topic");
  // Nothing reached the test clients.
  CHECK(s.phone1->expect_no_message(200ms));
}
