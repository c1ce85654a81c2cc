#include "mqtt_client.hpp"

#include <stdexcept>

#include "paho_waker.hpp"

namespace pummelo::test {

namespace {

void wait_or_throw(const mqtt::token_ptr& tok, ms timeout, const char* what) {
  if (!wait_token(tok, timeout)) throw std::runtime_error(std::string(what) + " timed out");
}

}  // namespace

bool wait_token(const mqtt::token_ptr& tok, ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!tok->wait_for(5ms)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    paho_waker_poke();
  }
  tok->wait();  // completed: rethrows if the operation failed
  return true;
}

mqtt_client::mqtt_client(const std::string& uri, const std::string& client_id, int version)
    : client_id_(client_id), version_(version) {
  paho_waker_start();
  // Paho caps the publishes queued inside the client (default 100); the
  // burst cases queue a few hundred before the first acknowledgement.
  mqtt::create_options co(version);
  co.set_max_buffered_messages(10000);
  client_ = std::make_unique<mqtt::async_client>(uri, client_id, co, nullptr);
  client_->set_message_callback([this](mqtt::const_message_ptr m) { on_message(std::move(m)); });
  client_->set_connection_lost_handler([this](const std::string&) { on_lost(); });
  client_->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode rc) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      disconnect_reason_ = static_cast<int>(rc);
    }
    on_lost();
  });
}

mqtt_client::~mqtt_client() {
  try {
    if (client_->is_connected()) client_->disconnect(0)->wait_for(1s);
  } catch (...) {
    // best effort: the broker may already be gone
  }
  try {
    client_->disable_callbacks();
  } catch (...) {
  }
}

mqtt::connect_response mqtt_client::connect(const connect_opts& o) {
  mqtt::connect_options opts;
  opts.set_mqtt_version(version_);
  if (version_ >= mqtt_v5) {
    opts.set_clean_start(o.clean);
  } else {
    opts.set_clean_session(o.clean);
  }
  opts.set_keep_alive_interval(o.keepalive_s);
  opts.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(o.timeout));
  opts.set_max_inflight(o.max_inflight);
  opts.set_automatic_reconnect(false);
  if (o.will) opts.set_will(*o.will);
  if (o.username) opts.set_user_name(*o.username);
  if (o.password) opts.set_password(*o.password);
  if (version_ >= mqtt_v5) {
    mqtt::properties props = o.properties;
    if (o.session_expiry_s)
      props.add({mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(*o.session_expiry_s)});
    opts.set_properties(props);
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    lost_ = false;
    disconnect_reason_.reset();
  }
  auto tok = client_->connect(opts);
  wait_or_throw(tok, o.timeout + 1s, "connect");  // throws if the broker refused
  return tok->get_connect_response();
}

void mqtt_client::disconnect(int reason, const mqtt::properties& props) {
  mqtt::disconnect_options d;
  d.set_timeout(1s);
  if (version_ >= mqtt_v5) {
    d.set_reason_code(static_cast<mqtt::ReasonCode>(reason));
    d.set_properties(props);
  }
  wait_or_throw(client_->disconnect(d), op_timeout, "disconnect");
}

std::vector<mqtt::ReasonCode> mqtt_client::subscribe(const std::string& filter, int qos,
                                                     const mqtt::subscribe_options& opts,
                                                     const mqtt::properties& props) {
  auto tok = client_->subscribe(filter, qos, opts, props);
  wait_or_throw(tok, op_timeout, "subscribe");
  return tok->get_subscribe_response().get_reason_codes();
}

void mqtt_client::unsubscribe(const std::string& filter) {
  wait_or_throw(client_->unsubscribe(filter), op_timeout, "unsubscribe");
}

mqtt::delivery_token_ptr mqtt_client::publish_async(const std::string& topic,
                                                    const std::string& payload, int qos,
                                                    bool retain, const mqtt::properties& props) {
  auto msg = mqtt::message_ptr_builder()
                 .topic(topic)
                 .payload(payload)
                 .qos(qos)
                 .retained(retain)
                 .properties(props)
                 .finalize();
  return client_->publish(msg);
}

void mqtt_client::publish(const std::string& topic, const std::string& payload, int qos,
                          bool retain, const mqtt::properties& props) {
  wait_or_throw(publish_async(topic, payload, qos, retain, props), op_timeout, "publish");
}

void mqtt_client::publish(mqtt::const_message_ptr msg) {
  wait_or_throw(client_->publish(std::move(msg)), op_timeout, "publish");
}

void mqtt_client::on_message(mqtt::const_message_ptr msg) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    messages_.push_back(std::move(msg));
  }
  cv_.notify_all();
}

void mqtt_client::on_lost() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    lost_ = true;
  }
  cv_.notify_all();
}

std::optional<mqtt::const_message_ptr> mqtt_client::wait_message(ms timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  if (!cv_.wait_for(lk, timeout, [&] { return !messages_.empty(); })) return std::nullopt;
  auto m = messages_.front();
  messages_.pop_front();
  return m;
}

std::vector<mqtt::const_message_ptr> mqtt_client::wait_messages(std::size_t n, ms timeout) {
  std::vector<mqtt::const_message_ptr> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lk(mu_);
  while (out.size() < n) {
    if (!cv_.wait_until(lk, deadline, [&] { return !messages_.empty(); })) break;
    out.push_back(messages_.front());
    messages_.pop_front();
  }
  return out;
}

std::optional<mqtt::const_message_ptr> mqtt_client::wait_message_on(const std::string& topic,
                                                                    ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left <= ms(0)) return std::nullopt;
    auto m = wait_message(left);
    if (!m) return std::nullopt;
    if ((*m)->get_topic() == topic) return m;
  }
}

bool mqtt_client::expect_no_message(ms duration) {
  std::unique_lock<std::mutex> lk(mu_);
  return !cv_.wait_for(lk, duration, [&] { return !messages_.empty(); });
}

std::size_t mqtt_client::queued() const {
  std::lock_guard<std::mutex> lk(mu_);
  return messages_.size();
}

void mqtt_client::clear_messages() {
  std::lock_guard<std::mutex> lk(mu_);
  messages_.clear();
}

bool mqtt_client::connection_lost() const {
  std::lock_guard<std::mutex> lk(mu_);
  return lost_;
}

bool mqtt_client::wait_connection_lost(ms timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return lost_; });
}

std::optional<int> mqtt_client::server_disconnect_reason() const {
  std::lock_guard<std::mutex> lk(mu_);
  return disconnect_reason_;
}

std::optional<int> mqtt_client::wait_server_disconnect(ms timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait_for(lk, timeout, [&] { return disconnect_reason_.has_value(); });
  return disconnect_reason_;
}

mqtt::properties props_with(std::initializer_list<mqtt::property> list) {
  return mqtt::properties(list);
}

std::optional<std::int64_t> int_prop(const mqtt::properties& p, mqtt::property::code c) {
  auto* cp = const_cast<MQTTProperties*>(&p.c_struct());
  if (!::MQTTProperties_hasProperty(cp, static_cast<MQTTPropertyCodes>(c))) return std::nullopt;
  return ::MQTTProperties_getNumericValue(cp, static_cast<MQTTPropertyCodes>(c));
}

std::optional<std::string> string_prop(const mqtt::properties& p, mqtt::property::code c) {
  auto* cp = const_cast<MQTTProperties*>(&p.c_struct());
  MQTTProperty* prop = ::MQTTProperties_getProperty(cp, static_cast<MQTTPropertyCodes>(c));
  if (prop == nullptr) return std::nullopt;
  if (prop->value.data.data == nullptr) return std::string();
  return std::string(prop->value.data.data, static_cast<std::size_t>(prop->value.data.len));
}

std::vector<std::pair<std::string, std::string>> user_props(const mqtt::properties& p) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::size_t n = p.count(mqtt::property::USER_PROPERTY);
  for (std::size_t i = 0; i < n; ++i) {
    auto sp = mqtt::get<mqtt::string_pair>(p, mqtt::property::USER_PROPERTY, i);
    out.emplace_back(std::get<0>(sp), std::get<1>(sp));
  }
  return out;
}

}  // namespace pummelo::test
