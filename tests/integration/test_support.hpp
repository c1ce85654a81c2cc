// Shared helpers for the integration test cases.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>

#include "broker_process.hpp"
#include "mqtt_client.hpp"

namespace pummelo::test {

inline constexpr int all_versions[] = {mqtt_v311, mqtt_v5};

inline std::string version_name(int v) { return v == mqtt_v5 ? "5.0" : "3.1.1"; }

inline bool is_mosquitto() { return kind_from_env() == broker_kind::mosquitto; }

// Client ids unique within the run, so no case depends on another's state.
inline std::string unique_id(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  return prefix + "-" + std::to_string(counter.fetch_add(1));
}

// Starts the broker selected by PUMMELO_TEST_BROKER.
inline std::unique_ptr<broker_process> start_broker(const broker_settings& s = {}) {
  return std::make_unique<broker_process>(kind_from_env(), s);
}

// Creates and connects a client (throws if the broker refuses it).
inline std::unique_ptr<mqtt_client> connect_client(const broker_process& b, const std::string& id,
                                                   int version, const connect_opts& o = {}) {
  auto c = std::make_unique<mqtt_client>(b.uri(), id, version);
  c->connect(o);
  return c;
}

// Persistent-session options: clean=false and, for v5, a session expiry.
inline connect_opts persistent(std::uint32_t expiry_s = 300) {
  connect_opts o;
  o.clean = false;
  o.session_expiry_s = expiry_s;
  return o;
}

}  // namespace pummelo::test
