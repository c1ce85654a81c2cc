// The pummelo server's start-up, run as a child process: a listener whose
// port is already held stops the start with a message naming the address,
// and the server holding it keeps all of its traffic. (Were the listeners
// SO_REUSEPORT sockets, a second server of the same user would join the
// port and silently take part of the connections.)
#include <cstdlib>
#include <fstream>
#include <string>

#include "ctl_support.hpp"
#include "push_support.hpp"

using namespace pummelo::test;

TEST_CASE("server start-up: an MQTT port in use fails the start and names it; the holder serves on") {
  broker_process first{broker_kind::pummelo};
  auto subscriber = connect_client(first, "holder-sub", mqtt_v311);
  subscriber->subscribe("startup/check", 0);

  temp_dir dir;
  const std::string port = std::to_string(first.port());
  const std::string config = dir.file("second.json");
  std::ofstream(config) << R"({"listeners": [{"host": "127.0.0.1", "port": )" << port << "}]}\n";
  const char* bin = std::getenv("PUMMELO_BIN");
  REQUIRE(bin != nullptr);
  const process_result second = run_process({bin, "--config", config}, {}, std::chrono::seconds(20));
  INFO("second server's stderr: ", second.err);
  CHECK(second.status == 1);
  CHECK(contains(second.err, "cannot listen on 127.0.0.1:" + port));
  CHECK(contains(second.err, "in use"));

  // Every new connection still reaches the first server: a publish from each
  // of several new clients arrives.
  for (int i = 0; i < 8; ++i) {
    auto publisher = connect_client(first, "holder-pub-" + std::to_string(i), mqtt_v311);
    publisher->publish("startup/check", "from " + std::to_string(i));
    auto m = subscriber->wait_message_on("startup/check", 5s);
    REQUIRE_MESSAGE(m, "publisher ", i, " was not served by the first server");
    CHECK((*m)->get_payload_str() == "from " + std::to_string(i));
  }
}
