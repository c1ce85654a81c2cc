// Config loading: defaults, every section, and rejection of unknown keys and
// bad values with a message naming the key.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "config.hpp"

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
  CHECK(r.value->allow_anonymous);
}

TEST_CASE("the shipped conf/pummelo.json loads with its documented values") {
  auto r = pummelo::broker::load_config_file(std::string(PUMMELO_SOURCE_ROOT) + "/conf/pummelo.json");
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->listeners.at(0).port == 1883);
  CHECK(r.value->listeners.at(0).host == "127.0.0.1");
  CHECK(r.value->allow_anonymous);
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
  CHECK_FALSE(c.allow_anonymous);
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
    "scheduler": {"type": "buffer", "flush_interval_ms": 5, "max_buffered_messages": 3},
    "limits": {"max_push_uids": 7}})");
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->server_id == "fe-1");
  CHECK(r.value->uid_from == pummelo::broker::uid_source::client_id);
  CHECK(r.value->scheduler.type == pummelo::broker::scheduler_config::kind::buffer);
  CHECK(r.value->scheduler.flush_interval_ms == 5);
  CHECK(r.value->scheduler.max_buffered_messages == 3);
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
