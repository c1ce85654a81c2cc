#include "paho_waker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <mqtt/async_client.h>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace pummelo::test {

namespace {

class waker {
 public:
  waker() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 1) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("paho waker: cannot listen");
    const std::string uri = "tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    std::thread([this] { serve(); }).detach();
    client_ = std::make_unique<mqtt::async_client>(uri, "paho-waker", nullptr);
    mqtt::connect_options opts;
    opts.set_mqtt_version(MQTTVERSION_3_1_1);
    opts.set_keep_alive_interval(0);  // no PINGREQ: the fake server only answers CONNECT
    opts.set_clean_session(true);
    if (!client_->connect(opts)->wait_for(std::chrono::seconds(5)))
      throw std::runtime_error("paho waker: connect timed out");
  }

  void poke() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (conn_fd_ < 0) return;
      const std::uint8_t pingresp[2] = {0xD0, 0x00};  // PINGRESP, remaining length 0
      (void)::send(conn_fd_, pingresp, sizeof pingresp, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    try {
      client_->publish("wake", "", 0, 0, false);  // any new command signals the send thread
    } catch (const std::exception&) {
      // the waker's own queue being full is harmless: the thread is awake
    }
  }

 private:
  // Accepts the waker's connection, answers its CONNECT with a CONNACK and
  // then discards whatever it sends until it goes away.
  void serve() {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::uint8_t buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);  // the CONNECT (small, one segment)
    if (n <= 0 || (buf[0] & 0xF0) != 0x10) {
      ::close(fd);
      return;
    }
    const std::uint8_t connack[4] = {0x20, 0x02, 0x00, 0x00};  // CONNACK, accepted
    (void)::send(fd, connack, sizeof connack, MSG_NOSIGNAL);
    {
      std::lock_guard<std::mutex> lk(mu_);
      conn_fd_ = fd;
    }
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
      // discard the waker's QoS 0 publishes
    }
    std::lock_guard<std::mutex> lk(mu_);
    ::close(fd);
    conn_fd_ = -1;
  }

  int listen_fd_ = -1;
  std::mutex mu_;
  int conn_fd_ = -1;
  std::unique_ptr<mqtt::async_client> client_;
};

std::once_flag once;
waker* instance = nullptr;  // deliberately leaked: lives until the process exits

}  // namespace

void paho_waker_start() {
  std::call_once(once, [] { instance = new waker(); });
}

void paho_waker_poke() {
  if (instance != nullptr) instance->poke();
}

}  // namespace pummelo::test
