#include "ctl_connection.hpp"

#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>

#include "ctl_format.hpp"
#include "ctl_json.hpp"
#include "ctl_probe.hpp"

namespace pummelo::ctl {

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view request_topic = "$CONTROL/pummelo/v1";
constexpr std::string_view response_prefix = "$CONTROL/pummelo/v1/response/";
constexpr auto poll_slice = 50ms;

constexpr int reason_not_authorized = 0x87;
constexpr int reason_bad_credentials = 0x86;

std::string random_hex(std::size_t bytes) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(rng() & 0xFF));
    out += buf;
  }
  return out;
}

std::string hex_reason(int reason) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(reason) & 0xFF);
  return buf;
}

}  // namespace

struct admin_connection::impl {
  global_options opts;
  std::string address;  // "HOST:PORT", for messages
  std::string response_topic;
  std::unique_ptr<mqtt::async_client> client;

  std::mutex mu;
  std::condition_variable cv;
  std::string awaited_correlation;           // of the request in flight
  std::optional<std::string> answer_payload;  // its answer, once here
  bool lost = false;
  std::optional<int> disconnect_reason;  // the server's DISCONNECT, if it sent one
  std::string tls_error;                 // OpenSSL's last complaint, from Paho

  explicit impl(const global_options& o) : opts(o), address(host_port(o.host, o.port)) {}

  // The client goes first: its callbacks use the members below it.
  ~impl() {
    if (!client) return;
    try {
      if (client->is_connected()) client->disconnect(1s)->wait_for(1s);
    } catch (...) {
      // best effort: the server may be gone already
    }
    try {
      client->disable_callbacks();
    } catch (...) {
    }
    client.reset();
  }

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  std::string no_answer() const {
    return "no answer from " + address + " within " + std::to_string(opts.timeout_s) + " s";
  }

  // Waits for `tok` until `deadline`, polling `stop`; false on timeout.
  // A failed operation throws mqtt::exception (from tok->wait()).
  static bool wait(const mqtt::token_ptr& tok, clock_type::time_point deadline,
                   const std::function<bool()>& stop) {
    while (!tok->wait_for(poll_slice)) {
      if (stop && stop()) throw interrupted_error();
      if (clock_type::now() >= deadline) return false;
    }
    tok->wait();
    return true;
  }

  void on_message(const mqtt::const_message_ptr& msg) {
    if (msg->get_topic() != response_topic) return;
    const auto& props = msg->get_properties();
    std::string correlation;
    if (props.contains(mqtt::property::CORRELATION_DATA))
      correlation = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
    {
      std::lock_guard<std::mutex> lk(mu);
      if (awaited_correlation.empty() || correlation != awaited_correlation) return;  // stale
      answer_payload = msg->get_payload_str();
    }
    cv.notify_all();
  }

  void on_lost(std::optional<int> reason) {
    {
      std::lock_guard<std::mutex> lk(mu);
      lost = true;
      if (reason) disconnect_reason = reason;
    }
    cv.notify_all();
  }

  // Why the connection went away, as an error message.
  std::string lost_message() {
    std::lock_guard<std::mutex> lk(mu);
    if (disconnect_reason == reason_not_authorized) return "not authorized";
    if (disconnect_reason)
      return "the server at " + address + " closed the connection (reason " +
             hex_reason(*disconnect_reason) + ")";
    return "lost the connection to " + address;
  }

  mqtt::connect_options connect_options() {
    mqtt::connect_options co;
    co.set_mqtt_version(MQTTVERSION_5);
    co.set_clean_start(true);
    co.set_keep_alive_interval(60);
    co.set_connect_timeout(static_cast<int>(opts.timeout_s));
    co.set_automatic_reconnect(false);
    if (opts.user) co.set_user_name(*opts.user);
    if (opts.password) co.set_password(*opts.password);
    if (opts.tls) {
      mqtt::ssl_options ssl;
      if (!opts.cafile.empty()) ssl.set_trust_store(opts.cafile);
      if (!opts.cert.empty()) ssl.set_key_store(opts.cert);
      if (!opts.key.empty()) ssl.set_private_key(opts.key);
      ssl.set_enable_server_cert_auth(!opts.insecure);
      ssl.set_verify(!opts.insecure);  // the host name against the certificate
      ssl.set_error_handler([this](const std::string& text) {
        std::lock_guard<std::mutex> lk(mu);
        if (tls_error.empty()) tls_error = text;
      });
      co.set_ssl(std::move(ssl));
    }
    return co;
  }

  // Why the connect failed, once Paho gave up without a CONNACK. Paho's own
  // text ("TCP/TLS connect failure") does not say why, so a plain TCP
  // connect to the same address names the errno. It runs only after Paho has
  // failed (never on the way to a successful command, which would cost the
  // server an extra connection) and within a short budget of its own.
  [[noreturn]] void fail_transport(bool timed_out) {
    const auto budget = std::min<std::chrono::milliseconds>(
        std::chrono::seconds(opts.timeout_s), 3s);
    const std::string why = tcp_probe(opts.host, opts.port, budget);
    if (!why.empty()) throw ctl_error("cannot connect to " + address + ": " + why);
    if (timed_out) throw ctl_error(no_answer());
    std::string tls;
    {
      std::lock_guard<std::mutex> lk(mu);
      tls = tls_error;
    }
    if (opts.tls)
      throw ctl_error("cannot connect to " + address + ": TLS handshake failed" +
                      (tls.empty() ? std::string{} : ": " + openssl_reason(tls)));
    throw ctl_error("cannot connect to " + address + ": the server closed the connection");
  }

  void connect(const std::function<bool()>& stop) {
    mqtt::create_options create(MQTTVERSION_5);
    const std::string scheme = opts.tls ? "ssl://" : "tcp://";
    const std::string id = "pummeloctl-" + random_hex(8);
    response_topic = std::string(response_prefix) + id;
    const auto deadline = clock_type::now() + std::chrono::seconds(opts.timeout_s) + 1s;
    try {
      client = std::make_unique<mqtt::async_client>(scheme + address, id, create, nullptr);
      client->set_message_callback([this](mqtt::const_message_ptr m) { on_message(m); });
      client->set_connection_lost_handler([this](const std::string&) { on_lost(std::nullopt); });
      client->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode rc) {
        on_lost(static_cast<int>(rc));
      });
      if (!wait(client->connect(connect_options()), deadline, stop)) fail_transport(true);
    } catch (const mqtt::exception& e) {
      // A CONNACK refusal: Paho 1.2 puts its code in the return code, the
      // reason code, or both (3.1.1: 4 bad user name or password, 5 not
      // authorized; 5.0: 0x86, 0x87).
      const int rc = e.get_return_code(), reason = e.get_reason_code();
      for (int code : {rc, reason})
        if (code == 4 || code == 5 || code == reason_bad_credentials || code == reason_not_authorized)
          throw ctl_error("not authorized");
      for (int code : {rc, reason})
        if (code >= 0x80)
          throw ctl_error("cannot connect to " + address + ": refused by the server (reason " +
                          hex_reason(code) + ")");
      fail_transport(false);
    }
    subscribe(deadline, stop);
  }

  void subscribe(clock_type::time_point deadline, const std::function<bool()>& stop) {
    try {
      auto tok = client->subscribe(response_topic, 1);
      if (!wait(tok, deadline, stop)) throw ctl_error(no_answer());
      const mqtt::subscribe_response response = tok->get_subscribe_response();
      for (auto rc : response.get_reason_codes())
        if (static_cast<int>(rc) >= 0x80) throw ctl_error("not authorized");
    } catch (const mqtt::exception& e) {
      if (e.get_reason_code() >= 0x80 || e.get_return_code() >= 0x80) throw ctl_error("not authorized");
      throw ctl_error(lost_message());
    }
  }

  rapidjson::Document request(const std::string& payload, const std::function<bool()>& stop) {
    const auto deadline = clock_type::now() + std::chrono::seconds(opts.timeout_s);
    const std::string correlation = random_hex(8);
    {
      std::lock_guard<std::mutex> lk(mu);
      awaited_correlation = correlation;
      answer_payload.reset();
    }
    mqtt::properties props;
    props.add({mqtt::property::RESPONSE_TOPIC, response_topic});
    props.add({mqtt::property::CORRELATION_DATA, correlation});
    props.add({mqtt::property::CONTENT_TYPE, std::string("application/json")});
    auto msg = mqtt::message_ptr_builder()
                   .topic(std::string(request_topic))
                   .payload(payload)
                   .qos(1)
                   .properties(props)
                   .finalize();
    try {
      if (!wait(client->publish(msg), deadline, stop)) throw ctl_error(no_answer());
    } catch (const mqtt::exception& e) {
      const int reason = e.get_reason_code();
      if (reason == reason_not_authorized) throw ctl_error("not authorized");
      if (reason >= 0x80)
        throw ctl_error("the server refused the request (reason " + hex_reason(reason) + ")");
      throw ctl_error(lost_message());
    }
    std::string text;
    {
      std::unique_lock<std::mutex> lk(mu);
      for (;;) {
        if (answer_payload) break;
        if (lost) {
          lk.unlock();
          throw ctl_error(lost_message());
        }
        if (stop && stop()) throw interrupted_error();
        if (clock_type::now() >= deadline) throw ctl_error(no_answer());
        cv.wait_for(lk, poll_slice);
      }
      text = std::move(*answer_payload);
      answer_payload.reset();
      awaited_correlation.clear();
    }
    answer a = parse_answer(text);
    if (a.malformed) throw ctl_error("malformed answer from " + address + ": " + a.error);
    if (!a.ok) throw ctl_error(a.error);
    return std::move(a.result);
  }
};

admin_connection::admin_connection(const global_options& options,
                                   const std::function<bool()>& stop)
    : impl_(std::make_unique<impl>(options)) {
  impl_->connect(stop);
}

admin_connection::~admin_connection() = default;

rapidjson::Document admin_connection::request(const std::string& payload,
                                              const std::function<bool()>& stop) {
  return impl_->request(payload, stop);
}

}  // namespace pummelo::ctl
