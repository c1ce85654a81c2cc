// The admin API's transport: one MQTT 5 connection (Paho C++), a response
// topic of its own, and request/answer by correlation data (see
// /work/notes/admin-protocol.md). Paho stays inside ctl_connection.cpp.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "ctl_options.hpp"

namespace pummelo::ctl {

/// An operation failure: pummeloctl prints "pummeloctl: <what()>" and exits 1.
class ctl_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The caller's stop condition became true while waiting (top's Ctrl-C).
class interrupted_error : public std::exception {
 public:
  const char* what() const noexcept override { return "interrupted"; }
};

class admin_connection {
 public:
  /// Connects (clean start, client id "pummeloctl-<hex>") and subscribes to
  /// the response topic; throws ctl_error ("cannot connect to H:P: ...",
  /// "not authorized", "no answer from H:P within N s"). `stop` as for
  /// request().
  explicit admin_connection(const global_options& options, const std::function<bool()>& stop = {});
  ~admin_connection();  // DISCONNECT, best effort

  admin_connection(const admin_connection&) = delete;
  admin_connection& operator=(const admin_connection&) = delete;

  /// Sends one request payload and waits (the --timeout) for its answer.
  /// Returns the "result" object; throws ctl_error with the server's "error"
  /// text, or on a transport failure. `stop` is polled while waiting; when it
  /// returns true, throws interrupted_error.
  rapidjson::Document request(const std::string& payload, const std::function<bool()>& stop = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pummelo::ctl
