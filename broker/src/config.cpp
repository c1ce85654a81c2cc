#include "config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <asio/ip/address.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace pummelo::broker {
namespace {

class config_error : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string join_key(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// Reads one JSON object: every member must be claimed by a handler, so a
// misspelled key is an error rather than a silently ignored setting.
class object_reader {
 public:
  using handler = std::function<void(const rapidjson::Value&, const std::string& key)>;

  object_reader(const rapidjson::Value& v, std::string path) : value_(v), path_(std::move(path)) {
    if (!v.IsObject()) throw config_error("'" + display() + "' must be an object");
  }

  void on(const char* key, handler h) { handlers_.emplace(key, std::move(h)); }

  void run() {
    std::set<std::string> seen;
    for (auto it = value_.MemberBegin(); it != value_.MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      // JSON allows a key twice; a config that does is almost surely a mistake.
      if (!seen.insert(key).second)
        throw config_error("duplicate key '" + join_key(path_, key) + "'");
      auto h = handlers_.find(key);
      if (h == handlers_.end()) throw config_error("unknown key '" + join_key(path_, key) + "'");
      h->second(it->value, join_key(path_, key));
    }
  }

 private:
  std::string display() const { return path_.empty() ? "(top level)" : path_; }
  const rapidjson::Value& value_;
  std::string path_;
  std::map<std::string, handler> handlers_;
};

template <class T>
auto unsigned_in(T& out, std::uint64_t min, std::uint64_t max) {
  return [&out, min, max](const rapidjson::Value& v, const std::string& key) {
    if (!v.IsUint64()) throw config_error("'" + key + "' must be a non-negative integer");
    std::uint64_t n = v.GetUint64();
    if (n < min || n > max) {
      std::ostringstream msg;
      msg << "'" << key << "' must be between " << min << " and " << max << ", got " << n;
      throw config_error(msg.str());
    }
    out = static_cast<T>(n);
  };
}

auto boolean(bool& out) {
  return [&out](const rapidjson::Value& v, const std::string& key) {
    if (!v.IsBool()) throw config_error("'" + key + "' must be true or false");
    out = v.GetBool();
  };
}

std::string string_of(const rapidjson::Value& v, const std::string& key) {
  if (!v.IsString()) throw config_error("'" + key + "' must be a string");
  return {v.GetString(), v.GetStringLength()};
}

void read_tls(const rapidjson::Value& v, const std::string& key, tls_config& t) {
  object_reader r(v, key);
  auto file = [](std::string& out) {
    return [&out](const rapidjson::Value& f, const std::string& k) {
      out = string_of(f, k);
      if (out.empty()) throw config_error("'" + k + "' must not be empty");
    };
  };
  r.on("cert_file", file(t.cert_file));
  r.on("key_file", file(t.key_file));
  r.on("ca_file", file(t.ca_file));
  r.on("require_client_cert", boolean(t.require_client_cert));
  r.on("use_identity_as_username", boolean(t.use_identity_as_username));
  r.run();
  if (t.cert_file.empty()) throw config_error("'" + key + ".cert_file' is required");
  if (t.key_file.empty()) throw config_error("'" + key + ".key_file' is required");
  if (t.require_client_cert && t.ca_file.empty())
    throw config_error("'" + key + ".ca_file' is required with require_client_cert");
  if (t.use_identity_as_username && !t.require_client_cert)
    throw config_error("'" + key + ".use_identity_as_username' needs require_client_cert");
}

void read_listeners(const rapidjson::Value& v, const std::string& key, config& c) {
  if (!v.IsArray() || v.Empty()) throw config_error("'" + key + "' must be a non-empty array");
  c.listeners.clear();
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    std::string item_key = key + "[" + std::to_string(i) + "]";
    listener_config l;
    bool have_port = false;
    object_reader r(v[i], item_key);
    r.on("host", [&](const rapidjson::Value& h, const std::string& k) {
      l.host = string_of(h, k);
      if (l.host.empty()) throw config_error("'" + k + "' must not be empty");
    });
    r.on("port", [&](const rapidjson::Value& p, const std::string& k) {
      unsigned_in(l.port, 0, 65535)(p, k);
      have_port = true;
    });
    r.on("tls",
         [&](const rapidjson::Value& t, const std::string& k) { read_tls(t, k, l.tls.emplace()); });
    r.run();
    if (!have_port) throw config_error("'" + item_key + ".port' is required");
    c.listeners.push_back(std::move(l));
  }
}

void read_servers(const rapidjson::Value& v, const std::string& key,
                  std::vector<cluster_server>& out, bool needs_mqtt, bool needs_rpc) {
  if (!v.IsArray() || v.Size() > max_cluster_servers)
    throw config_error("'" + key + "' must be an array of at most " +
                       std::to_string(max_cluster_servers) + " servers");
  std::set<std::string> ids;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    std::string item_key = key + "[" + std::to_string(i) + "]";
    cluster_server s;
    object_reader r(v[i], item_key);
    r.on("id", [&](const rapidjson::Value& x, const std::string& k) {
      s.id = string_of(x, k);
      // '$' would make the id look like a reserved member name.
      if (s.id.empty() || s.id.size() > 128 || s.id[0] == '$')
        throw config_error("'" + k + "' must be 1 to 128 bytes, not starting with '$'");
    });
    r.on("host", [&](const rapidjson::Value& x, const std::string& k) {
      s.host = string_of(x, k);
      if (s.host.empty()) throw config_error("'" + k + "' must not be empty");
    });
    r.on("mqtt_port", unsigned_in(s.mqtt_port, 1, 65535));
    r.on("rpc_port", unsigned_in(s.rpc_port, 1, 65535));
    r.run();
    if (s.id.empty()) throw config_error("'" + item_key + ".id' is required");
    if (needs_mqtt && s.mqtt_port == 0)
      throw config_error("'" + item_key + ".mqtt_port' is required");
    if (needs_rpc && s.rpc_port == 0) throw config_error("'" + item_key + ".rpc_port' is required");
    if (!ids.insert(s.id).second)
      throw config_error("'" + item_key + ".id': server id '" + s.id + "' appears twice");
    out.push_back(std::move(s));
  }
}

void read_cluster(const rapidjson::Value& v, const std::string& key, cluster_config& c) {
  constexpr std::uint64_t u32 = std::numeric_limits<std::uint32_t>::max();
  object_reader r(v, key);
  r.on("frontends", [&](const rapidjson::Value& x, const std::string& k) {
    read_servers(x, k, c.frontends, true, true);
  });
  r.on("channel_servers", [&](const rapidjson::Value& x, const std::string& k) {
    read_servers(x, k, c.channel_servers, false, true);
  });
  r.on("gates", [&](const rapidjson::Value& x, const std::string& k) {
    read_servers(x, k, c.gates, true, false);
  });
  r.on("redirect", boolean(c.redirect));
  r.on("rpc", [&](const rapidjson::Value& x, const std::string& k) {
    object_reader rr(x, k);
    rr.on("call_timeout_ms", unsigned_in(c.rpc.call_timeout_ms, 10, 600'000));
    rr.on("sync_timeout_ms", unsigned_in(c.rpc.sync_timeout_ms, 10, 3'600'000));
    rr.on("max_sync_batch_bytes", unsigned_in(c.rpc.max_sync_batch_bytes, 0, 1u << 29));
    rr.on("heartbeat_interval_ms", unsigned_in(c.rpc.heartbeat_interval_ms, 10, 600'000));
    rr.on("heartbeat_timeout_ms", unsigned_in(c.rpc.heartbeat_timeout_ms, 20, 3'600'000));
    rr.on("max_queued_requests", unsigned_in(c.rpc.max_queued_requests, 1, u32));
    rr.on("max_queued_bytes", unsigned_in(c.rpc.max_queued_bytes, 1024, 1ULL << 40));
    rr.on("max_write_queue_bytes", unsigned_in(c.rpc.max_write_queue_bytes, 65536, 1ULL << 40));
    rr.on("max_frame_size", unsigned_in(c.rpc.max_frame_size, 4096, 1u << 30));
    rr.on("max_pending_calls", unsigned_in(c.rpc.max_pending_calls, 1, u32));
    rr.on("max_sync_backlog", unsigned_in(c.rpc.max_sync_backlog, 1, u32));
    rr.run();
  });
  r.run();
  if (c.frontends.empty()) throw config_error("'" + key + ".frontends' needs at least one server");
  if (c.channel_servers.empty())
    throw config_error("'" + key + ".channel_servers' needs at least one server");
  if (c.rpc.max_sync_batch_bytes != 0 && (c.rpc.max_sync_batch_bytes < 1024 ||
                                          c.rpc.max_sync_batch_bytes > c.rpc.max_frame_size / 2))
    throw config_error("'" + key + ".rpc.max_sync_batch_bytes' must be 0 (automatic) or from 1024 to half of max_frame_size");
  if (c.rpc.heartbeat_timeout_ms <= c.rpc.heartbeat_interval_ms)
    throw config_error("'" + key + ".rpc.heartbeat_timeout_ms' must exceed heartbeat_interval_ms");
  // Every port belongs to one listener of one server.
  std::map<std::pair<std::string, std::uint16_t>, std::string> ports;
  auto claim = [&](const cluster_server& s, std::uint16_t port, const char* what) {
    if (port == 0) return;
    std::string owner = s.id + " (" + what + ")";
    auto [it, fresh] = ports.emplace(std::make_pair(s.host, port), owner);
    // The same server listed in two roles names its RPC port twice.
    if (!fresh && it->second != owner)
      throw config_error("'" + key + "': " + s.host + ":" + std::to_string(port) +
                         " is used by both " + it->second + " and " + owner);
  };
  for (const auto* list : {&c.frontends, &c.channel_servers, &c.gates})
    for (const auto& s : *list) {
      claim(s, s.rpc_port, "rpc");
      // A frontend that is also the gate may share its MQTT port with it.
      if (list != &c.gates ||
          std::none_of(c.frontends.begin(), c.frontends.end(),
                       [&](const auto& f) { return f.id == s.id && f.mqtt_port == s.mqtt_port; }))
        claim(s, s.mqtt_port, "mqtt");
    }
  // One process has one RPC port and one host, whatever its roles.
  std::map<std::string, const cluster_server*> seen;
  for (const auto* list : {&c.frontends, &c.channel_servers, &c.gates}) {
    for (const auto& s : *list) {
      auto [it, fresh] = seen.emplace(s.id, &s);
      if (fresh) continue;
      const auto& o = *it->second;
      if (o.host != s.host)
        throw config_error("'" + key + "': server '" + s.id + "' is listed with two hosts");
      if (o.rpc_port && s.rpc_port && o.rpc_port != s.rpc_port)
        throw config_error("'" + key + "': server '" + s.id + "' is listed with two rpc ports");
    }
  }
}

void read_limits(const rapidjson::Value& v, const std::string& key, limits_config& l,
                 bool& connect_size_set) {
  constexpr std::uint64_t u16 = std::numeric_limits<std::uint16_t>::max();
  constexpr std::uint64_t u32 = std::numeric_limits<std::uint32_t>::max();
  object_reader r(v, key);
  r.on("max_connections", unsigned_in(l.max_connections, 1, u32));
  // 2^28 - 1 + 5 header bytes is the largest packet MQTT can express.
  r.on("max_packet_size", unsigned_in(l.max_packet_size, 64, 268'435'460));
  r.on("max_connect_packet_size",
       [&l, &connect_size_set](const rapidjson::Value& value, const std::string& k) {
         unsigned_in(l.max_connect_packet_size, 64, 268'435'460)(value, k);
         connect_size_set = true;
       });
  r.on("max_topic_length", unsigned_in(l.max_topic_length, 1, u16));
  r.on("max_topic_levels", unsigned_in(l.max_topic_levels, 1, u16));
  r.on("max_subscriptions_per_packet", unsigned_in(l.max_subscriptions_per_packet, 1, u16));
  r.on("max_user_properties", unsigned_in(l.max_user_properties, 0, u16));
  r.on("max_inflight_messages", unsigned_in(l.max_inflight_messages, 1, u16));
  r.on("max_queued_messages", unsigned_in(l.max_queued_messages, 0, u32));
  r.on("max_queued_bytes", unsigned_in(l.max_queued_bytes, 0, 1ULL << 40));
  r.on("max_subscriptions_per_session", unsigned_in(l.max_subscriptions_per_session, 1, u32));
  // Session ids hold a 24-bit slot per event loop (event_loop.hpp).
  r.on("max_sessions", unsigned_in(l.max_sessions, 1, 1u << 24));
  r.on("max_write_queue_bytes", unsigned_in(l.max_write_queue_bytes, 4096, 1ULL << 40));
  r.on("max_keep_alive_s", unsigned_in(l.max_keep_alive_s, 1, u16));
  r.on("max_session_expiry_s", unsigned_in(l.max_session_expiry_s, 0, u32));
  r.on("topic_alias_maximum", unsigned_in(l.topic_alias_maximum, 0, u16));
  r.on("max_retained_messages", unsigned_in(l.max_retained_messages, 0, u32));
  r.on("max_incoming_qos2", unsigned_in(l.max_incoming_qos2, 1, u16));
  r.on("max_push_uids", unsigned_in(l.max_push_uids, 1, u32));
  r.on("max_push_jobs", unsigned_in(l.max_push_jobs, 1, u32));
  r.on("max_connections_per_address", unsigned_in(l.max_connections_per_address, 0, u32));
  r.on("connect_rate", unsigned_in(l.connect_rate, 0, 10'000'000));
  r.on("connect_burst", unsigned_in(l.connect_burst, 1, 10'000'000));
  r.on("max_publish_rate", unsigned_in(l.max_publish_rate, 0, 10'000'000));
  r.run();
}

config parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseCommentsFlag>(text.c_str(), text.size());
  if (doc.HasParseError()) {
    std::ostringstream msg;
    msg << "invalid JSON at offset " << doc.GetErrorOffset() << ": "
        << rapidjson::GetParseError_En(doc.GetParseError());
    throw config_error(msg.str());
  }
  config c;
  bool connect_size_set = false;
  object_reader top(doc, "");
  top.on("log", [&](const rapidjson::Value& v, const std::string& key) {
    object_reader r(v, key);
    r.on("level", [&](const rapidjson::Value& lv, const std::string& k) {
      if (!parse_log_level(string_of(lv, k), c.level))
        throw config_error("'" + k + "' must be one of debug, info, warning, error, off");
    });
    r.run();
  });
  top.on("threads", unsigned_in(c.threads, 0, 256));
  top.on("server_id", [&](const rapidjson::Value& v, const std::string& key) {
    c.server_id = string_of(v, key);
    if (c.server_id.empty()) throw config_error("'" + key + "' must not be empty");
  });
  top.on("uid_source", [&](const rapidjson::Value& v, const std::string& key) {
    auto chosen = string_of(v, key);
    if (chosen == "username") {
      c.uid_from = uid_source::username;
    } else if (chosen == "client_id") {
      c.uid_from = uid_source::client_id;
    } else {
      throw config_error("'" + key + "' must be \"username\" or \"client_id\"");
    }
  });
  top.on("scheduler", [&](const rapidjson::Value& v, const std::string& key) {
    object_reader r(v, key);
    r.on("type", [&](const rapidjson::Value& t, const std::string& k) {
      auto chosen = string_of(t, k);
      if (chosen == "direct") {
        c.scheduler.type = scheduler_config::kind::direct;
      } else if (chosen == "buffer") {
        c.scheduler.type = scheduler_config::kind::buffer;
      } else {
        throw config_error("'" + k + "' must be \"direct\" or \"buffer\"");
      }
    });
    r.on("flush_interval_ms", unsigned_in(c.scheduler.flush_interval_ms, 1, 60'000));
    r.on("max_buffered_messages", unsigned_in(c.scheduler.max_buffered_messages, 1, 1'000'000));
    r.on("max_deliveries_per_turn", unsigned_in(c.scheduler.max_deliveries_per_turn, 0, 1'000'000));
    r.on("max_writes_per_turn", unsigned_in(c.scheduler.max_writes_per_turn, 0, 1'000'000));
    r.on("max_flush_holds", unsigned_in(c.scheduler.max_flush_holds, 0, 1'000));
    r.run();
  });
  top.on("listeners",
         [&](const rapidjson::Value& v, const std::string& key) { read_listeners(v, key, c); });
  top.on("allow_anonymous", [&](const rapidjson::Value& v, const std::string& key) {
    boolean(c.allow_anonymous.emplace())(v, key);
  });
  top.on("auth", [&](const rapidjson::Value& v, const std::string& key) {
    object_reader r(v, key);
    r.on("password_file", [&](const rapidjson::Value& f, const std::string& k) {
      c.auth.password_file = string_of(f, k);
    });
    r.on("acl_file", [&](const rapidjson::Value& f, const std::string& k) {
      c.auth.acl_file = string_of(f, k);
    });
    r.on("failures_before_delay", unsigned_in(c.auth.failures_before_delay, 0, 1'000'000));
    r.on("max_failure_delay_ms", unsigned_in(c.auth.max_failure_delay_ms, 0, 600'000));
    r.on("failure_window_s", unsigned_in(c.auth.failure_window_s, 1, 86'400));
    r.on("max_tracked_addresses", unsigned_in(c.auth.max_tracked_addresses, 1, 10'000'000));
    r.run();
  });
  top.on("limits", [&](const rapidjson::Value& v, const std::string& key) {
    read_limits(v, key, c.limits, connect_size_set);
  });
  top.on("overload", [&](const rapidjson::Value& v, const std::string& key) {
    object_reader r(v, key);
    r.on("max_loop_lag_ms", unsigned_in(c.overload.max_loop_lag_ms, 0, 600'000));
    r.on("shed_for_ms", unsigned_in(c.overload.shed_for_ms, 0, 600'000));
    r.run();
  });
  top.on("timeouts", [&](const rapidjson::Value& v, const std::string& key) {
    object_reader r(v, key);
    r.on("connect_timeout_ms", unsigned_in(c.connect_timeout_ms, 10, 3'600'000));
    r.run();
  });
  top.on("sys", [&](const rapidjson::Value& v, const std::string& key) {
    object_reader r(v, key);
    r.on("interval_s", unsigned_in(c.sys_interval_s, 0, 86'400));
    r.run();
  });
  top.on("cluster", [&](const rapidjson::Value& v, const std::string& key) {
    read_cluster(v, key, c.cluster.emplace());
  });
  bool have_listeners = false;
  if (doc.IsObject() && doc.HasMember("listeners")) have_listeners = true;
  top.run();
  if (c.cluster) {
    // A frame carries a whole PUBLISH, or a membership change (a filter and
    // a uid of up to 64 KiB each), with room for its other fields.
    std::uint64_t needed = std::uint64_t{c.limits.max_packet_size} + 4 * 65536;
    if (c.cluster->rpc.max_frame_size < needed)
      throw config_error(
          "'cluster.rpc.max_frame_size' must be at least limits.max_packet_size + "
          "262144 (" +
          std::to_string(needed) + ")");
  }
  if (c.cluster && have_listeners)
    throw config_error(
        "'listeners' and 'cluster' exclude each other: a cluster's MQTT ports are "
        "its frontends' and gates' mqtt_port");
  // Left unset, the CONNECT limit follows a smaller packet limit down.
  if (!connect_size_set && c.limits.max_connect_packet_size > c.limits.max_packet_size)
    c.limits.max_connect_packet_size = c.limits.max_packet_size;
  if (c.limits.max_connect_packet_size > c.limits.max_packet_size)
    throw config_error("'limits.max_connect_packet_size' must not exceed 'limits.max_packet_size'");
  return c;
}

}  // namespace

config_result parse_config(const std::string& json_text) {
  try {
    return {parse(json_text), {}};
  } catch (const config_error& e) {
    return {std::nullopt, e.what()};
  }
}

std::string select_server(config& c, const std::string& id) {
  if (!c.cluster) {
    if (!id.empty()) c.server_id = id;
    return {};
  }
  if (id.empty()) return "a cluster config needs --server-id (one of its servers' ids)";
  const auto& cl = *c.cluster;
  auto find = [&](const std::vector<cluster_server>& list) -> const cluster_server* {
    for (const auto& s : list)
      if (s.id == id) return &s;
    return nullptr;
  };
  const auto* fe = find(cl.frontends);
  const auto* cs = find(cl.channel_servers);
  const auto* gate = find(cl.gates);
  if (!fe && !cs && !gate) return "no server '" + id + "' in the cluster config";
  c.server_id = id;
  c.roles = roles_config{fe != nullptr, cs != nullptr, gate != nullptr};
  c.listeners.clear();
  if (fe) c.listeners.push_back({fe->host, fe->mqtt_port});
  if (gate && !(fe && fe->mqtt_port == gate->mqtt_port))
    c.listeners.push_back({gate->host, gate->mqtt_port});
  return {};
}

config_result load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, "cannot read config file '" + path + "'"};
  std::ostringstream text;
  text << in.rdbuf();
  auto r = parse_config(text.str());
  if (!r.value) {
    r.error = path + ": " + r.error;
    return r;
  }
  // So that `pummelo --config conf/secure.json` finds conf/secure/... from
  // any working directory.
  const auto dir = std::filesystem::path(path).parent_path();
  std::vector<std::string*> files{&r.value->auth.password_file, &r.value->auth.acl_file};
  for (auto& l : r.value->listeners)
    if (l.tls) files.insert(files.end(), {&l.tls->cert_file, &l.tls->key_file, &l.tls->ca_file});
  for (auto* file : files)
    if (!file->empty() && std::filesystem::path(*file).is_relative()) *file = (dir / *file).string();
  return r;
}

bool config::anonymous_allowed() const noexcept {
  if (allow_anonymous) return *allow_anonymous;
  return std::all_of(listeners.begin(), listeners.end(), [](const listener_config& l) {
    std::error_code ec;
    auto a = asio::ip::make_address(l.host, ec);
    return !ec && a.is_loopback();
  });
}

}  // namespace pummelo::broker
