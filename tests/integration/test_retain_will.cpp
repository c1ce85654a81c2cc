// Retained messages and Will messages (including the v5 will delay).
#include <chrono>
#include <thread>

#include "raw_tcp.hpp"
#include "test_support.hpp"

using namespace pummelo::test;

namespace {

struct will_spec {
  int version = mqtt_v311;
  std::string client_id;
  std::string topic;
  std::string payload;
  std::uint8_t qos = 1;
  std::uint32_t will_delay_s = 0;    // v5 only (0 = property omitted)
  std::uint32_t session_expiry_s = 0;  // v5 only (0 = property omitted)
};

// A CONNECT carrying a Will, built by hand because Paho cannot drop a
// connection without sending DISCONNECT first.
bytes will_connect(const will_spec& w) {
  bytes body;
  put_str(body, "MQTT");  // protocol name
  put_u8(body, w.version == mqtt_v5 ? 5 : 4);  // protocol level: 5 = MQTT 5.0, 4 = 3.1.1
  // connect flags: 0x02 clean session/start, 0x04 will flag, will QoS in bits 3-4
  put_u8(body, static_cast<std::uint8_t>(0x02 | 0x04 | (w.qos << 3)));
  put_u16(body, 30);  // keep alive: 30 s
  if (w.version == mqtt_v5) {
    bytes props;
    if (w.session_expiry_s != 0) {
      put_u8(props, 0x11);  // property: session expiry interval (four-byte integer)
      put_u32(props, w.session_expiry_s);
    }
    put_varint(body, static_cast<std::uint32_t>(props.size()));  // CONNECT properties length
    body.insert(body.end(), props.begin(), props.end());
  }
  put_str(body, w.client_id);  // payload: client identifier
  if (w.version == mqtt_v5) {
    bytes will_props;
    if (w.will_delay_s != 0) {
      put_u8(will_props, 0x18);  // will property: will delay interval (four-byte integer)
      put_u32(will_props, w.will_delay_s);
    }
    put_varint(body, static_cast<std::uint32_t>(will_props.size()));  // will properties length
    body.insert(body.end(), will_props.begin(), will_props.end());
  }
  put_str(body, w.topic);    // will topic
  put_str(body, w.payload);  // will payload (two-byte length + bytes)
  return frame(0x10, body);  // fixed header 0x10 = CONNECT
}

// Connects a raw client with a will and checks that the CONNACK accepts it.
std::unique_ptr<raw_tcp> raw_connect_with_will(const broker_process& b, const will_spec& w) {
  auto s = std::make_unique<raw_tcp>(b.port());
  s->send(will_connect(w));
  auto connack = s->recv_packet(3s);
  REQUIRE(connack);
  REQUIRE(connack->size() >= 4);
  CHECK((*connack)[0] == 0x20);  // CONNACK
  CHECK((*connack)[3] == 0x00);  // return / reason code: accepted
  return s;
}

}  // namespace

TEST_CASE("retain: retained messages are stored, flagged, replaced and cleared") {
  auto b = start_broker();
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    const std::string base = "ret/" + unique_id("r");
    mqtt_client pub(b->uri(), unique_id("ret-pub"), v);
    pub.connect();
    pub.publish(base + "/a", "hello", 1, true);

    // A later subscriber gets the stored message with the retain flag.
    mqtt_client sub(b->uri(), unique_id("ret-sub"), v);
    sub.connect();
    sub.subscribe(base + "/#", 1);
    auto m = sub.wait_message();
    REQUIRE(m);
    CHECK((*m)->get_topic() == base + "/a");
    CHECK((*m)->get_payload_str() == "hello");
    CHECK((*m)->is_retained());
    CHECK((*m)->get_qos() == 1);
    CHECK(sub.expect_no_message(200ms));

    // A retained publish to an existing subscriber is forwarded live with
    // retain = 0 (3.1.1 section 3.3.1.3; v5 with retain-as-published = 0).
    pub.publish(base + "/a", "live", 1, true);
    m = sub.wait_message();
    REQUIRE(m);
    CHECK((*m)->get_payload_str() == "live");
    CHECK_FALSE((*m)->is_retained());

    // The stored message was replaced by the newer one.
    {
      mqtt_client late(b->uri(), unique_id("ret-late"), v);
      late.connect();
      late.subscribe(base + "/a", 1);
      auto r = late.wait_message();
      REQUIRE(r);
      CHECK((*r)->get_payload_str() == "live");
      CHECK((*r)->is_retained());
    }

    // Retained messages are downgraded to the subscription's QoS.
    {
      mqtt_client q0(b->uri(), unique_id("ret-q0"), v);
      q0.connect();
      q0.subscribe(base + "/a", 0);
      auto r = q0.wait_message();
      REQUIRE(r);
      CHECK((*r)->get_qos() == 0);
      CHECK((*r)->is_retained());
    }

    // An empty retained payload clears it. Existing subscribers still get
    // the (empty) message live, as for any publish.
    pub.publish(base + "/a", "", 1, true);
    m = sub.wait_message();
    REQUIRE(m);
    CHECK((*m)->get_payload_str().empty());
    CHECK_FALSE((*m)->is_retained());
    mqtt_client after(b->uri(), unique_id("ret-after"), v);
    after.connect();
    after.subscribe(base + "/#", 1);
    CHECK(after.expect_no_message(500ms));
  }
}

TEST_CASE("will: published when the connection drops, not after DISCONNECT") {
  auto b = start_broker();
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    const std::string topic = "will/" + unique_id("w");
    mqtt_client watcher(b->uri(), unique_id("will-watch"), v);
    watcher.connect();
    watcher.subscribe(topic, 1);

    will_spec w{v, unique_id("will-client"), topic, "gone", 1, 0, 0};
    {
      auto s = raw_connect_with_will(*b, w);
      s->close();  // dropped without DISCONNECT
    }
    auto m = watcher.wait_message(3s);
    REQUIRE(m);
    CHECK((*m)->get_topic() == topic);
    CHECK((*m)->get_payload_str() == "gone");
    CHECK((*m)->get_qos() == 1);
    CHECK_FALSE((*m)->is_retained());

    w.client_id = unique_id("will-clean");
    {
      auto s = raw_connect_with_will(*b, w);
      s->send({0xE0, 0x00});  // DISCONNECT (v5: reason 0 normal disconnection, implied)
      CHECK(s->wait_closed(3s));
    }
    CHECK(watcher.expect_no_message(1s));
  }
}

TEST_CASE("will: v5 will delay interval") {
  auto b = start_broker();
  const std::string topic = "will-delay/" + unique_id("w");
  mqtt_client watcher(b->uri(), unique_id("delay-watch"), mqtt_v5);
  watcher.connect();
  watcher.subscribe(topic, 1);

  SUBCASE("a reconnect within the delay cancels the will") {
    will_spec w{mqtt_v5, unique_id("delay-back"), topic, "late", 1, 2, 10};
    raw_connect_with_will(*b, w)->close();
    std::this_thread::sleep_for(200ms);
    mqtt_client back(b->uri(), w.client_id, mqtt_v5);
    auto rsp = back.connect(persistent(10));
    CHECK(rsp.is_session_present());
    // Well past the 2 s delay (Mosquitto, with its 1 s clock, sends a will
    // with a 2 s delay 2.7-3.0 s after the drop).
    CHECK(watcher.expect_no_message(3200ms));
  }
  SUBCASE("without a reconnect the will arrives after the delay") {
    will_spec w{mqtt_v5, unique_id("delay-gone"), topic, "late", 1, 2, 10};
    auto s = raw_connect_with_will(*b, w);
    const auto dropped = std::chrono::steady_clock::now();
    s->close();
    auto m = watcher.wait_message(8s);
    REQUIRE(m);
    const auto after = std::chrono::steady_clock::now() - dropped;
    INFO("will after ", std::chrono::duration_cast<ms>(after).count(), " ms");
    CHECK((*m)->get_payload_str() == "late");
    CHECK(after >= 1500ms);
    CHECK(after <= 8000ms);  // the 2 s delay, with room for a loaded machine
  }
}
