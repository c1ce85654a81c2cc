// Config loading: defaults, every section, and rejection of unknown keys and
// bad values with a message naming the key.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "config.hpp"
#include "tls/tls_context.hpp"

using pummelo::broker::parse_config;

namespace {
std::string error_of(const std::string& json) {
  auto r = parse_config(json);
  REQUIRE_FALSE(r.value);
  return r.error;
}
}  // namespace

TEST_CASE("an empty object gives the defaults") {
  auto r = parse_config("{}");
  REQUIRE(r.value);
  CHECK(r.value->listeners.size() == 1);
  CHECK(r.value->listeners[0].host == "127.0.0.1");
  CHECK(r.value->listeners[0].port == 1883);
  CHECK(r.value->limits.max_queued_messages == 1000);
  CHECK(r.value->connect_timeout_ms == 10000);
  // Unset and every listener on loopback: anonymous clients are let in.
  CHECK_FALSE(r.value->allow_anonymous.has_value());
  CHECK(r.value->anonymous_allowed());
  CHECK(r.value->auth.password_file.empty());
  CHECK(r.value->auth.acl_file.empty());
}

TEST_CASE("anonymous access: off by default once a listener leaves loopback") {
  auto exposed = parse_config(R"({"listeners": [{"host": "127.0.0.1", "port": 1}, {"host": "0.0.0.0", "port": 2}]})");
  REQUIRE_MESSAGE(exposed.value, exposed.error);
  CHECK_FALSE(exposed.value->anonymous_allowed());
  auto v6 = parse_config(R"({"listeners": [{"host": "::1", "port": 1}, {"host": "127.9.9.9", "port": 2}]})");
  REQUIRE_MESSAGE(v6.value, v6.error);
  CHECK(v6.value->anonymous_allowed());
  auto forced = parse_config(R"({"listeners": [{"host": "0.0.0.0", "port": 1}], "allow_anonymous": true})");
  REQUIRE_MESSAGE(forced.value, forced.error);
  CHECK(forced.value->anonymous_allowed());
  auto closed = parse_config(R"({"allow_anonymous": false})");
  REQUIRE_MESSAGE(closed.value, closed.error);
  CHECK_FALSE(closed.value->anonymous_allowed());
}

TEST_CASE("admission limits and overload are read and checked") {
  auto r = parse_config(R"({"limits": {"max_connections_per_address": 3, "connect_rate": 20,
    "connect_burst": 5, "max_publish_rate": 10000000},
    "overload": {"max_loop_lag_ms": 0, "shed_for_ms": 600000}})");
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->limits.max_connections_per_address == 3);
  CHECK(r.value->limits.connect_rate == 20);
  CHECK(r.value->limits.connect_burst == 5);
  CHECK(r.value->limits.max_publish_rate == 10000000);
  CHECK(r.value->overload.max_loop_lag_ms == 0);
  CHECK(r.value->overload.shed_for_ms == 600000);
  auto d = parse_config("{}");
  REQUIRE(d.value);
  CHECK(d.value->limits.max_connections_per_address == 0);
  CHECK(d.value->limits.connect_rate == 0);
  CHECK(d.value->overload.max_loop_lag_ms == 1000);
  CHECK(error_of(R"({"limits": {"connect_burst": 0}})").find("'limits.connect_burst'") != std::string::npos);
  CHECK(error_of(R"({"limits": {"max_publish_rate": 10000001}})").find("'limits.max_publish_rate'") !=
        std::string::npos);
  CHECK(error_of(R"({"overload": {"shed_for_ms": 600001}})").find("'overload.shed_for_ms'") !=
        std::string::npos);
  CHECK(error_of(R"({"overload": {"lag": 1}})").find("'overload.lag'") != std::string::npos);
}

TEST_CASE("auth: keys are read and checked; file paths follow the config file") {
  auto r = parse_config(R"({"auth": {"password_file": "/etc/p", "acl_file": "a.json",
    "failures_before_delay": 0, "max_failure_delay_ms": 600000, "failure_window_s": 1,
    "max_tracked_addresses": 1}})");
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->auth.password_file == "/etc/p");
  CHECK(r.value->auth.acl_file == "a.json");
  CHECK(r.value->auth.failures_before_delay == 0);
  CHECK(r.value->auth.max_failure_delay_ms == 600000);
  CHECK(error_of(R"({"auth": {"max_failure_delay_ms": 600001}})").find("'auth.max_failure_delay_ms'") !=
        std::string::npos);
  CHECK(error_of(R"({"auth": {"failure_window_s": 0}})").find("'auth.failure_window_s'") != std::string::npos);
  CHECK(error_of(R"({"auth": {"max_tracked_addresses": 0}})").find("'auth.max_tracked_addresses'") !=
        std::string::npos);
  CHECK(error_of(R"({"auth": {"password": "x"}})").find("'auth.password'") != std::string::npos);
  CHECK(error_of(R"({"auth": {"acl_file": 3}})").find("'auth.acl_file'") != std::string::npos);
  auto secure = pummelo::broker::load_config_file(std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure.json");
  REQUIRE_MESSAGE(secure.value, secure.error);
  CHECK(secure.value->auth.password_file == std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure/passwd");
  CHECK(secure.value->auth.acl_file == std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure/acl.json");
  CHECK_FALSE(secure.value->anonymous_allowed());
}

TEST_CASE("the shipped conf/pummelo.json loads with its documented values") {
  auto r = pummelo::broker::load_config_file(std::string(PUMMELO_SOURCE_ROOT) + "/conf/pummelo.json");
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->listeners.at(0).port == 1883);
  CHECK(r.value->listeners.at(0).host == "127.0.0.1");
  CHECK(r.value->anonymous_allowed());
}

TEST_CASE("every section is read") {
  auto r = parse_config(R"({
    "log": {"level": "debug"}, "threads": 3,
    "listeners": [{"host": "127.0.0.2", "port": 0}, {"host": "::1", "port": 1884}],
    "allow_anonymous": false,
    "limits": {"max_packet_size": 2048, "max_connect_packet_size": 1024,
               "max_queued_messages": 5, "max_inflight_messages": 7,
               "max_write_queue_bytes": 65536, "topic_alias_maximum": 0},
    "timeouts": {"connect_timeout_ms": 1500},
    "sys": {"interval_s": 0}
  })");
  REQUIRE_MESSAGE(r.value, r.error);
  const auto& c = *r.value;
  CHECK(c.level == pummelo::broker::log_level::debug);
  CHECK(c.threads == 3);
  CHECK(c.listeners.size() == 2);
  CHECK(c.listeners[1].host == "::1");
  CHECK_FALSE(c.anonymous_allowed());
  CHECK(c.limits.max_packet_size == 2048);
  CHECK(c.limits.max_connect_packet_size == 1024);
  CHECK(c.limits.max_queued_messages == 5);
  CHECK(c.limits.max_inflight_messages == 7);
  CHECK(c.limits.max_write_queue_bytes == 65536);
  CHECK(c.limits.topic_alias_maximum == 0);
  CHECK(c.connect_timeout_ms == 1500);
  CHECK(c.sys_interval_s == 0);
}

TEST_CASE("unknown keys are rejected by their full name") {
  CHECK(error_of(R"({"listner": []})") == "unknown key 'listner'");
  CHECK(error_of(R"({"limits": {"max_queue": 1}})") == "unknown key 'limits.max_queue'");
  CHECK(error_of(R"({"listeners": [{"port": 1, "hots": "x"}]})") ==
        "unknown key 'listeners[0].hots'");
}

TEST_CASE("a key given twice is rejected") {
  CHECK(error_of(R"({"threads": 1, "threads": 2})") == "duplicate key 'threads'");
  CHECK(error_of(R"({"limits": {"max_sessions": 1, "max_sessions": 2}})") ==
        "duplicate key 'limits.max_sessions'");
}

TEST_CASE("uid source, server id and scheduler are read and checked") {
  auto r = parse_config(R"({"server_id": "fe-1", "uid_source": "client_id",
    "scheduler": {"type": "buffer", "flush_interval_ms": 5, "max_buffered_messages": 3,
                  "max_deliveries_per_turn": 1, "max_writes_per_turn": 2, "max_flush_holds": 0},
    "limits": {"max_push_uids": 7}})");
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->server_id == "fe-1");
  CHECK(r.value->uid_from == pummelo::broker::uid_source::client_id);
  CHECK(r.value->scheduler.type == pummelo::broker::scheduler_config::kind::buffer);
  CHECK(r.value->scheduler.flush_interval_ms == 5);
  CHECK(r.value->scheduler.max_buffered_messages == 3);
  CHECK(r.value->scheduler.max_deliveries_per_turn == 1);
  CHECK(r.value->scheduler.max_writes_per_turn == 2);
  CHECK(r.value->scheduler.max_flush_holds == 0);
  const auto defaults = parse_config("{}").value->scheduler;
  CHECK(defaults.max_deliveries_per_turn == 4096);
  CHECK(defaults.max_writes_per_turn == 1024);
  CHECK(defaults.max_flush_holds == 8);
  CHECK(error_of(R"({"scheduler": {"max_deliveries_per_turn": 1000001}})")
            .find("'scheduler.max_deliveries_per_turn'") != std::string::npos);
  CHECK(error_of(R"({"scheduler": {"max_writes_per_turn": 1000001}})")
            .find("'scheduler.max_writes_per_turn'") != std::string::npos);
  CHECK(error_of(R"({"scheduler": {"max_flush_holds": 1001}})")
            .find("'scheduler.max_flush_holds'") != std::string::npos);
  CHECK(r.value->limits.max_push_uids == 7);
  CHECK(error_of(R"({"uid_source": "email"})").find("'uid_source'") != std::string::npos);
  CHECK(error_of(R"({"scheduler": {"type": "lazy"}})").find("'scheduler.type'") != std::string::npos);
  CHECK(error_of(R"({"scheduler": {"flush_interval_ms": 0}})").find("'scheduler.flush_interval_ms'") !=
        std::string::npos);
  CHECK(error_of(R"({"server_id": ""})").find("'server_id'") != std::string::npos);
}

TEST_CASE("bad values name the key") {
  CHECK(error_of(R"({"threads": -1})").find("'threads'") != std::string::npos);
  CHECK(error_of(R"({"threads": "two"})").find("'threads'") != std::string::npos);
  CHECK(error_of(R"({"allow_anonymous": 1})").find("'allow_anonymous'") != std::string::npos);
  CHECK(error_of(R"({"log": {"level": "loud"}})").find("'log.level'") != std::string::npos);
  CHECK(error_of(R"({"listeners": []})").find("'listeners'") != std::string::npos);
  CHECK(error_of(R"({"listeners": [{"host": "127.0.0.1"}]})").find("'listeners[0].port'") !=
        std::string::npos);
  CHECK(error_of(R"({"listeners": [{"port": 70000}]})").find("'listeners[0].port'") !=
        std::string::npos);
  CHECK(error_of(R"({"limits": "big"})").find("'limits'") != std::string::npos);
  CHECK(error_of("{") .find("invalid JSON") != std::string::npos);
}

TEST_CASE("limits are checked at their bounds") {
  // max_packet_size: 64 .. 268435460 (the largest packet MQTT can express).
  CHECK_FALSE(parse_config(R"({"limits": {"max_packet_size": 63, "max_connect_packet_size": 63}})").value);
  CHECK(parse_config(R"({"limits": {"max_packet_size": 64, "max_connect_packet_size": 64}})").value);
  CHECK(parse_config(R"({"limits": {"max_packet_size": 268435460}})").value);
  CHECK_FALSE(parse_config(R"({"limits": {"max_packet_size": 268435461}})").value);
  // max_inflight_messages: 1 .. 65535
  CHECK_FALSE(parse_config(R"({"limits": {"max_inflight_messages": 0}})").value);
  CHECK(parse_config(R"({"limits": {"max_inflight_messages": 65535}})").value);
  CHECK_FALSE(parse_config(R"({"limits": {"max_inflight_messages": 65536}})").value);
  // connect packet limit may not exceed the packet limit
  CHECK(error_of(R"({"limits": {"max_packet_size": 1000, "max_connect_packet_size": 1001}})")
            .find("max_connect_packet_size") != std::string::npos);
  CHECK(parse_config(R"({"limits": {"max_packet_size": 1000, "max_connect_packet_size": 1000}})").value);
  // Unset, the CONNECT limit follows a smaller packet limit.
  auto small = parse_config(R"({"limits": {"max_packet_size": 1024}})");
  REQUIRE(small.value);
  CHECK(small.value->limits.max_connect_packet_size == 1024);
}

TEST_CASE("a missing file is a clear error") {
  auto r = pummelo::broker::load_config_file("/nonexistent/pummelo.json");
  REQUIRE_FALSE(r.value);
  CHECK(r.error.find("cannot read config file '/nonexistent/pummelo.json'") != std::string::npos);
}

// --- The cluster section and select_server() --------------------------------

namespace {
const char* const cluster_sample = R"({
  "server_id": "ignored-in-a-cluster",
  "cluster": {
    "frontends": [
      {"id": "fe-1", "host": "10.0.0.1", "mqtt_port": 3010, "rpc_port": 4010},
      {"id": "fe-2", "host": "10.0.0.2", "mqtt_port": 3011, "rpc_port": 4011}
    ],
    "channel_servers": [
      {"id": "cs-1", "host": "10.0.0.5", "rpc_port": 4020},
      {"id": "fe-1", "host": "10.0.0.1", "rpc_port": 4010}
    ],
    "gates": [
      {"id": "gate", "host": "10.0.0.9", "mqtt_port": 3014},
      {"id": "fe-2", "host": "10.0.0.2", "mqtt_port": 3015}
    ],
    "redirect": true,
    "rpc": {
      "call_timeout_ms": 2000, "heartbeat_interval_ms": 300, "heartbeat_timeout_ms": 900,
      "sync_timeout_ms": 7000, "max_sync_batch_bytes": 65536,
      "max_queued_requests": 10, "max_queued_bytes": 4096, "max_write_queue_bytes": 65536,
      "max_frame_size": 2097152, "max_pending_calls": 20, "max_sync_backlog": 30
    }
  }
})";

// A minimal cluster section with `extra` spliced into it.
std::string cluster_with(const std::string& frontends, const std::string& channel_servers,
                         const std::string& extra = "") {
  return R"({"cluster": {"frontends": )" + frontends + R"(, "channel_servers": )" +
         channel_servers + extra + "}}";
}

const std::string one_fe = R"([{"id": "f", "mqtt_port": 1, "rpc_port": 2}])";
const std::string one_cs = R"([{"id": "c", "rpc_port": 3}])";

pummelo::broker::config parsed(const std::string& json) {
  auto r = parse_config(json);
  REQUIRE_MESSAGE(r.value, r.error);
  return *r.value;
}

bool contains(const std::string& haystack, const std::string& needle) {
  INFO("'" << haystack << "' should contain '" << needle << "'");
  CHECK(haystack.find(needle) != std::string::npos);
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("cluster: without a cluster section there is none") {
  auto c = parsed("{}");
  CHECK_FALSE(c.cluster.has_value());
  CHECK(c.roles.frontend);
  CHECK(c.roles.channel);
  CHECK(c.roles.gate);
}

TEST_CASE("cluster: a full sample is read") {
  auto c = parsed(cluster_sample);
  REQUIRE(c.cluster);
  const auto& cl = *c.cluster;
  REQUIRE(cl.frontends.size() == 2);
  CHECK(cl.frontends[0].id == "fe-1");
  CHECK(cl.frontends[0].host == "10.0.0.1");
  CHECK(cl.frontends[0].mqtt_port == 3010);
  CHECK(cl.frontends[0].rpc_port == 4010);
  CHECK(cl.frontends[1].id == "fe-2");
  REQUIRE(cl.channel_servers.size() == 2);
  CHECK(cl.channel_servers[0].id == "cs-1");
  CHECK(cl.channel_servers[0].host == "10.0.0.5");
  CHECK(cl.channel_servers[0].rpc_port == 4020);
  CHECK(cl.channel_servers[0].mqtt_port == 0);
  REQUIRE(cl.gates.size() == 2);
  CHECK(cl.gates[0].id == "gate");
  CHECK(cl.gates[0].mqtt_port == 3014);
  CHECK(cl.gates[0].rpc_port == 0);
  CHECK(cl.redirect);
  CHECK(cl.rpc.call_timeout_ms == 2000);
  CHECK(cl.rpc.sync_timeout_ms == 7000);
  CHECK(cl.rpc.max_sync_batch_bytes == 65536);
  CHECK(cl.rpc.sync_batch_bytes() == 65536);
  CHECK(cl.rpc.heartbeat_interval_ms == 300);
  CHECK(cl.rpc.heartbeat_timeout_ms == 900);
  CHECK(cl.rpc.max_queued_requests == 10);
  CHECK(cl.rpc.max_queued_bytes == 4096);
  CHECK(cl.rpc.max_write_queue_bytes == 65536);
  CHECK(cl.rpc.max_frame_size == 2097152);
  CHECK(cl.rpc.max_sync_backlog == 30);
  CHECK(cl.rpc.max_pending_calls == 20);
}

TEST_CASE("cluster: defaults of a minimal section") {
  auto c = parsed(cluster_with(one_fe, one_cs));
  REQUIRE(c.cluster);
  CHECK(c.cluster->frontends[0].host == "127.0.0.1");
  CHECK(c.cluster->gates.empty());
  CHECK_FALSE(c.cluster->redirect);
  CHECK(c.cluster->rpc.call_timeout_ms == 5000);
  CHECK(c.cluster->rpc.sync_timeout_ms == 60000);
  CHECK(c.cluster->rpc.sync_batch_bytes() == 262144);  // 0: automatic
  CHECK(c.cluster->rpc.heartbeat_interval_ms == 1000);
  CHECK(c.cluster->rpc.heartbeat_timeout_ms == 5000);
}

TEST_CASE("cluster: unknown keys are rejected by their full path") {
  CHECK(error_of(cluster_with(one_fe, one_cs, R"(, "frontend": [])")) ==
        "unknown key 'cluster.frontend'");
  CHECK(error_of(cluster_with(R"([{"id": "f", "mqtt_port": 1, "rpc_port": 2, "prot": 3}])", one_cs)) ==
        "unknown key 'cluster.frontends[0].prot'");
  CHECK(error_of(cluster_with(one_fe, R"([{"id": "c", "rpc_port": 3}, {"id": "d", "rpc_port": 4, "x": 1}])")) ==
        "unknown key 'cluster.channel_servers[1].x'");
  CHECK(error_of(cluster_with(one_fe, one_cs, R"(, "gates": [{"id": "g", "mqtt_port": 5, "hots": "h"}])")) ==
        "unknown key 'cluster.gates[0].hots'");
  CHECK(error_of(cluster_with(one_fe, one_cs, R"(, "rpc": {"timeout_ms": 5})")) ==
        "unknown key 'cluster.rpc.timeout_ms'");
}

TEST_CASE("cluster: required ports per role") {
  contains(error_of(cluster_with(R"([{"id": "f", "rpc_port": 2}])", one_cs)),
           "'cluster.frontends[0].mqtt_port' is required");
  contains(error_of(cluster_with(R"([{"id": "f", "mqtt_port": 1}])", one_cs)),
           "'cluster.frontends[0].rpc_port' is required");
  contains(error_of(cluster_with(one_fe, R"([{"id": "c", "rpc_port": 3}, {"id": "d", "mqtt_port": 9}])")),
           "'cluster.channel_servers[1].rpc_port' is required");
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "gates": [{"id": "g", "rpc_port": 5}])")),
           "'cluster.gates[0].mqtt_port' is required");
  // A channel server needs no mqtt_port, a gate no rpc_port.
  CHECK(parse_config(cluster_with(one_fe, one_cs, R"(, "gates": [{"id": "g", "mqtt_port": 5}])")).value);
  contains(error_of(cluster_with(R"([{"mqtt_port": 1, "rpc_port": 2}])", one_cs)),
           "'cluster.frontends[0].id' is required");
  contains(error_of(cluster_with(R"([{"id": "f", "mqtt_port": 0, "rpc_port": 2}])", one_cs)),
           "'cluster.frontends[0].mqtt_port'");
  contains(error_of(cluster_with(R"([{"id": "f", "mqtt_port": 1, "rpc_port": 65536}])", one_cs)),
           "'cluster.frontends[0].rpc_port'");
}

TEST_CASE("cluster: bad ids, hosts and lists") {
  contains(error_of(cluster_with(R"([{"id": "", "mqtt_port": 1, "rpc_port": 2}])", one_cs)),
           "'cluster.frontends[0].id'");
  contains(error_of(cluster_with(R"([{"id": "$f", "mqtt_port": 1, "rpc_port": 2}])", one_cs)),
           "'cluster.frontends[0].id'");
  contains(error_of(cluster_with(R"([{"id": ")" + std::string(129, 'x') +
                                     R"(", "mqtt_port": 1, "rpc_port": 2}])",
                                 one_cs)),
           "'cluster.frontends[0].id'");
  CHECK(parse_config(cluster_with(R"([{"id": ")" + std::string(128, 'x') +
                                      R"(", "mqtt_port": 1, "rpc_port": 2}])",
                                  one_cs))
            .value);
  contains(error_of(cluster_with(R"([{"id": "f", "host": "", "mqtt_port": 1, "rpc_port": 2}])", one_cs)),
           "'cluster.frontends[0].host'");
  contains(error_of(cluster_with("[]", one_cs)), "'cluster.frontends'");
  contains(error_of(cluster_with(one_fe, "[]")), "'cluster.channel_servers'");
  contains(error_of(cluster_with("{}", one_cs)), "'cluster.frontends'");
  contains(error_of(R"({"cluster": []})"), "'cluster'");
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "redirect": 1)")), "'cluster.redirect'");
}

TEST_CASE("cluster: an id twice in one list is rejected") {
  auto err = error_of(cluster_with(
      R"([{"id": "f", "mqtt_port": 1, "rpc_port": 2}, {"id": "f", "mqtt_port": 5, "rpc_port": 6}])", one_cs));
  contains(err, "'cluster.frontends[1].id'");
  contains(err, "appears twice");
  contains(error_of(cluster_with(one_fe, R"([{"id": "c", "rpc_port": 3}, {"id": "c", "rpc_port": 3}])")),
           "'cluster.channel_servers[1].id'");
}

TEST_CASE("cluster: one server id is one process: one host, one rpc port") {
  // The same id as frontend and channel server, with two hosts.
  auto err = error_of(cluster_with(R"([{"id": "x", "host": "10.0.0.1", "mqtt_port": 1, "rpc_port": 2}])",
                                   R"([{"id": "x", "host": "10.0.0.2", "rpc_port": 2}])"));
  contains(err, "'x'");
  contains(err, "two hosts");
  // Host left to its default on one side only: still two hosts.
  contains(error_of(cluster_with(R"([{"id": "x", "host": "10.0.0.1", "mqtt_port": 1, "rpc_port": 2}])",
                                 R"([{"id": "x", "rpc_port": 2}])")),
           "two hosts");
  // Frontend and gate with two hosts.
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "gates": [{"id": "f", "host": "10.9.9.9", "mqtt_port": 1}])")),
           "two hosts");
  // Two rpc ports.
  contains(error_of(cluster_with(R"([{"id": "x", "mqtt_port": 1, "rpc_port": 2}])",
                                 R"([{"id": "x", "rpc_port": 7}])")),
           "two rpc ports");
  // The same host and rpc port is fine.
  CHECK(parse_config(cluster_with(R"([{"id": "x", "mqtt_port": 1, "rpc_port": 2}])",
                                  R"([{"id": "x", "rpc_port": 2}])"))
            .value);
}

TEST_CASE("cluster: listeners and cluster exclude each other") {
  auto err = error_of(R"({"listeners": [{"port": 1883}], "cluster": {"frontends": )" + one_fe +
                      R"(, "channel_servers": )" + one_cs + "}}");
  contains(err, "'listeners'");
  contains(err, "'cluster'");
  // Order in the file does not matter.
  contains(error_of(R"({"cluster": {"frontends": )" + one_fe + R"(, "channel_servers": )" + one_cs +
                    R"(}, "listeners": [{"port": 1883}]})"),
           "'listeners'");
}

TEST_CASE("cluster: heartbeat timeout must exceed the interval") {
  contains(error_of(cluster_with(one_fe, one_cs,
                                 R"(, "rpc": {"heartbeat_interval_ms": 500, "heartbeat_timeout_ms": 500})")),
           "heartbeat_timeout_ms");
  contains(error_of(cluster_with(one_fe, one_cs,
                                 R"(, "rpc": {"heartbeat_interval_ms": 500, "heartbeat_timeout_ms": 400})")),
           "'cluster.rpc.heartbeat_timeout_ms'");
  // Against the default timeout (5000).
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "rpc": {"heartbeat_interval_ms": 5000})")),
           "heartbeat_timeout_ms");
  CHECK(parse_config(cluster_with(one_fe, one_cs,
                                  R"(, "rpc": {"heartbeat_interval_ms": 500, "heartbeat_timeout_ms": 501})"))
            .value);
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "rpc": {"call_timeout_ms": 9})")),
           "'cluster.rpc.call_timeout_ms'");
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "rpc": {"max_frame_size": 4095})")),
           "'cluster.rpc.max_frame_size'");
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "rpc": {"sync_timeout_ms": 9})")),
           "'cluster.rpc.sync_timeout_ms'");
  // A sync batch must fit a frame with room to spare: at the limit, and past it.
  CHECK(parse_config(cluster_with(one_fe, one_cs,
                                  R"(, "rpc": {"max_frame_size": 2097152, "max_sync_batch_bytes": 1048576})"))
            .value);
  contains(error_of(cluster_with(one_fe, one_cs,
                                 R"(, "rpc": {"max_frame_size": 2097152, "max_sync_batch_bytes": 1048577})")),
           "max_sync_batch_bytes");
  contains(error_of(cluster_with(one_fe, one_cs, R"(, "rpc": {"max_sync_batch_bytes": 1023})")),
           "max_sync_batch_bytes");
}

TEST_CASE("select_server: errors leave the config unchanged") {
  auto c = parsed(cluster_sample);
  auto err = pummelo::broker::select_server(c, "nobody");
  contains(err, "'nobody'");
  CHECK(c.server_id == "ignored-in-a-cluster");
  CHECK(c.roles.frontend);
  CHECK(c.roles.channel);
  CHECK(c.roles.gate);

  err = pummelo::broker::select_server(c, "");
  CHECK_FALSE(err.empty());
  contains(err, "--server-id");
  CHECK(c.server_id == "ignored-in-a-cluster");
}

TEST_CASE("select_server: roles and listeners of each server") {
  using pummelo::broker::select_server;
  SUBCASE("frontend and channel server") {
    auto c = parsed(cluster_sample);
    REQUIRE(select_server(c, "fe-1").empty());
    CHECK(c.server_id == "fe-1");
    CHECK(c.roles.frontend);
    CHECK(c.roles.channel);
    CHECK_FALSE(c.roles.gate);
    REQUIRE(c.listeners.size() == 1);
    CHECK(c.listeners[0].host == "10.0.0.1");
    CHECK(c.listeners[0].port == 3010);
  }
  SUBCASE("frontend and gate on a different port: both listen") {
    auto c = parsed(cluster_sample);
    REQUIRE(select_server(c, "fe-2").empty());
    CHECK(c.roles.frontend);
    CHECK_FALSE(c.roles.channel);
    CHECK(c.roles.gate);
    REQUIRE(c.listeners.size() == 2);
    CHECK(c.listeners[0].host == "10.0.0.2");
    CHECK(c.listeners[0].port == 3011);
    CHECK(c.listeners[1].host == "10.0.0.2");
    CHECK(c.listeners[1].port == 3015);
  }
  SUBCASE("frontend and gate on the same port: one listener") {
    auto c = parsed(cluster_with(one_fe, one_cs, R"(, "gates": [{"id": "f", "mqtt_port": 1}])"));
    REQUIRE(select_server(c, "f").empty());
    CHECK(c.roles.frontend);
    CHECK(c.roles.gate);
    REQUIRE(c.listeners.size() == 1);
    CHECK(c.listeners[0].port == 1);
  }
  SUBCASE("channel server only: no MQTT listener") {
    auto c = parsed(cluster_sample);
    REQUIRE(select_server(c, "cs-1").empty());
    CHECK_FALSE(c.roles.frontend);
    CHECK(c.roles.channel);
    CHECK_FALSE(c.roles.gate);
    CHECK(c.listeners.empty());
  }
  SUBCASE("gate only") {
    auto c = parsed(cluster_sample);
    REQUIRE(select_server(c, "gate").empty());
    CHECK_FALSE(c.roles.frontend);
    CHECK_FALSE(c.roles.channel);
    CHECK(c.roles.gate);
    REQUIRE(c.listeners.size() == 1);
    CHECK(c.listeners[0].host == "10.0.0.9");
    CHECK(c.listeners[0].port == 3014);
  }
}

TEST_CASE("select_server: without a cluster it only renames the server") {
  using pummelo::broker::select_server;
  auto c = parsed(R"({"server_id": "orig", "listeners": [{"port": 1999}]})");
  CHECK(select_server(c, "").empty());
  CHECK(c.server_id == "orig");
  CHECK(select_server(c, "x").empty());
  CHECK(c.server_id == "x");
  REQUIRE(c.listeners.size() == 1);
  CHECK(c.listeners[0].port == 1999);
  CHECK(c.roles.frontend);
  CHECK(c.roles.channel);
  CHECK(c.roles.gate);
  CHECK_FALSE(c.cluster.has_value());
}

TEST_CASE("cluster: a host:port is used by one listener of one server") {
  auto clash = [](const std::string& frontends, const std::string& channel_servers) {
    auto r = parse_config(cluster_with(frontends, channel_servers));
    CHECK_FALSE(r.value);
    return r.error;
  };
  // Two servers on one port.
  contains(clash(R"([{"id": "f", "mqtt_port": 1, "rpc_port": 2}])",
                 R"([{"id": "c", "rpc_port": 2}])"),
           "127.0.0.1:2 is used by both f (rpc) and c (rpc)");
  // One server's MQTT and RPC ports.
  contains(clash(R"([{"id": "f", "mqtt_port": 5, "rpc_port": 5}])", one_cs), "127.0.0.1:5");
  // Other hosts may reuse the port number.
  CHECK(parse_config(cluster_with(R"([{"id": "f", "host": "10.0.0.1", "mqtt_port": 1, "rpc_port": 2}])",
                                  R"([{"id": "c", "host": "10.0.0.2", "rpc_port": 2}])"))
            .value);
  // A frontend that is also the gate shares its MQTT port with it.
  CHECK(parse_config(cluster_with(one_fe, one_cs,
                                  R"(, "gates": [{"id": "f", "mqtt_port": 1}])"))
            .value);
}

TEST_CASE("cluster: a link frame must hold the largest packet and a membership change") {
  auto small = parse_config(cluster_with(one_fe, one_cs, R"(, "rpc": {"max_frame_size": 1048576})"));
  CHECK_FALSE(small.value);
  contains(small.error, "'cluster.rpc.max_frame_size' must be at least limits.max_packet_size");
  // 1 MiB packets (the default) + 256 KiB fit exactly.
  CHECK(parse_config(cluster_with(one_fe, one_cs, R"(, "rpc": {"max_frame_size": 1310720})")).value);
  // Smaller packets allow smaller frames.
  CHECK(parse_config(R"({"limits": {"max_packet_size": 4096}, )" +
                     cluster_with(one_fe, one_cs, R"(, "rpc": {"max_frame_size": 266240})").substr(1))
            .value);
}

// --- TLS listeners ----------------------------------------------------------

TEST_CASE("tls: a listener's keys are read; without them it is plain TCP") {
  auto r = parse_config(R"({"listeners": [{"host": "127.0.0.1", "port": 1883},
    {"host": "127.0.0.1", "port": 8883, "tls": {"cert_file": "s.crt", "key_file": "/k/s.key",
     "ca_file": "ca.crt", "require_client_cert": true, "use_identity_as_username": true}}]})");
  REQUIRE_MESSAGE(r.value, r.error);
  REQUIRE(r.value->listeners.size() == 2);
  CHECK_FALSE(r.value->listeners[0].tls.has_value());
  REQUIRE(r.value->listeners[1].tls.has_value());
  const auto& t = *r.value->listeners[1].tls;
  CHECK(t.cert_file == "s.crt");
  CHECK(t.key_file == "/k/s.key");
  CHECK(t.ca_file == "ca.crt");
  CHECK(t.require_client_cert);
  CHECK(t.use_identity_as_username);
  auto minimal = parse_config(R"({"listeners": [{"port": 8883, "tls": {"cert_file": "a", "key_file": "b"}}]})");
  REQUIRE_MESSAGE(minimal.value, minimal.error);
  const auto& m = *minimal.value->listeners[0].tls;
  CHECK(m.ca_file.empty());
  CHECK_FALSE(m.require_client_cert);
  CHECK_FALSE(m.use_identity_as_username);
}

TEST_CASE("tls: errors name the key") {
  auto listener = [](const std::string& tls) {
    return R"({"listeners": [{"port": 1}, {"port": 2, "tls": )" + tls + "}]}";
  };
  CHECK(error_of(listener(R"({"cert_file": "a"})")) == "'listeners[1].tls.key_file' is required");
  CHECK(error_of(listener(R"({"key_file": "b"})")) == "'listeners[1].tls.cert_file' is required");
  CHECK(error_of(listener(R"({"cert_file": "a", "key_file": "b", "certfile": "c"})")) ==
        "unknown key 'listeners[1].tls.certfile'");
  CHECK(error_of(listener(R"({"cert_file": "", "key_file": "b"})")) ==
        "'listeners[1].tls.cert_file' must not be empty");
  CHECK(error_of(listener(R"({"cert_file": 1, "key_file": "b"})")) ==
        "'listeners[1].tls.cert_file' must be a string");
  CHECK(error_of(listener(R"({"cert_file": "a", "key_file": "b", "require_client_cert": "yes"})")) ==
        "'listeners[1].tls.require_client_cert' must be true or false");
  CHECK(error_of(listener(R"({"cert_file": "a", "key_file": "b", "require_client_cert": true})")) ==
        "'listeners[1].tls.ca_file' is required with require_client_cert");
  CHECK(error_of(listener(R"({"cert_file": "a", "key_file": "b", "ca_file": "c",
                              "use_identity_as_username": true})")) ==
        "'listeners[1].tls.use_identity_as_username' needs require_client_cert");
  CHECK(error_of(listener(R"(true)")) == "'listeners[1].tls' must be an object");
}

TEST_CASE("tls: file paths follow the config file; the shipped sample loads") {
  const std::string conf = std::string(PUMMELO_SOURCE_ROOT) + "/conf";
  auto secure = pummelo::broker::load_config_file(conf + "/secure.json");
  REQUIRE_MESSAGE(secure.value, secure.error);
  const auto& listeners = secure.value->listeners;
  REQUIRE(listeners.size() == 2);
  CHECK(listeners[1].port == 8883);
  REQUIRE(listeners[1].tls.has_value());
  CHECK(listeners[1].tls->cert_file == conf + "/secure/server.crt");
  CHECK(listeners[1].tls->key_file == conf + "/secure/server.key");
  CHECK(listeners[1].tls->ca_file.empty());  // none: stays none
  // The files load (what --check-config and the start do).
  CHECK_NOTHROW(pummelo::broker::tls::server_context(*listeners[1].tls, "listeners[1].tls"));
}

TEST_CASE("tls: a file that does not load names the key, the file and the reason") {
  const std::string dir = std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure/";
  auto failure = [](const pummelo::broker::tls_config& t) -> std::string {
    try {
      pummelo::broker::tls::server_context ctx(t, "listeners[2].tls");
    } catch (const std::exception& e) {
      return e.what();
    }
    FAIL("the context loaded");
    return {};
  };
  pummelo::broker::tls_config t;
  t.cert_file = dir + "missing.crt";
  t.key_file = dir + "server.key";
  CHECK(failure(t) == "'listeners[2].tls.cert_file': cannot read '" + dir +
                          "missing.crt': No such file or directory");
  t.cert_file = dir + "acl.json";
  CHECK(contains(failure(t), "'listeners[2].tls.cert_file': '" + dir + "acl.json' is not a PEM certificate chain: "));
  t.cert_file = dir + "server.crt";
  t.key_file = dir + "ca.crt";  // a certificate, not a key
  CHECK(contains(failure(t), "'listeners[2].tls.key_file': '" + dir + "ca.crt' is not a PEM private key"));
  t.key_file = dir + "server.key";
  t.ca_file = dir + "passwd";
  CHECK(contains(failure(t), "'listeners[2].tls.ca_file': '" + dir + "passwd' holds no PEM CA certificate"));
}
