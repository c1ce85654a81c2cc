#include "rpc/client.hpp"

#include <asio/post.hpp>

#include "log.hpp"

namespace pummelo::broker::rpc {

client::client(asio::io_context& io, std::string host, std::uint16_t port, client_options opts)
    : io_(io),
      host_(std::move(host)),
      port_(port),
      opts_(std::move(opts)),
      backoff_timer_(io),
      backoff_(opts_.initial_backoff),
      alive_(std::make_shared<client*>(this)) {}

client::~client() { stop(); }

std::shared_ptr<link> client::make_link() {
  auto l = link::create(io_, link::role::connector, opts_.link);
  l->set_request_handler(handler_);
  std::weak_ptr<client*> alive = alive_;
  l->set_established_handler([alive](link&) {
    if (auto g = alive.lock()) {
      (**g).backoff_ = (**g).opts_.initial_backoff;
      ++(**g).connections_;
      if ((**g).state_handler_) (**g).state_handler_(true);
    }
  });
  l->set_closed_handler([alive](link& closed) {
    auto g = alive.lock();
    if (!g) return;
    (**g).last_close_reason_ = closed.close_reason();
    if (closed.was_established() && (**g).state_handler_) (**g).state_handler_(false);
    (**g).on_link_closed();
  });
  return l;
}

void client::start() {
  if (running_) return;
  running_ = true;
  link_ = make_link();
  link_->connect(host_, port_);
}

void client::stop() {
  if (!running_) return;
  running_ = false;
  backoff_timer_.cancel();
  if (link_) link_->close("client stopped");
}

void client::on_link_closed() {
  if (!running_) return;
  // The replacement exists at once so calls made during the backoff are held
  // (bounded) by it rather than refused.
  link_ = make_link();
  auto delay = backoff_;
  backoff_ = std::min(backoff_ * 2, opts_.max_backoff);
  log(log_level::debug, "rpc client ", host_, ":", port_, ": reconnecting in ", delay.count(),
      " ms");
  backoff_timer_.expires_after(delay);
  std::weak_ptr<client*> alive = alive_;
  backoff_timer_.async_wait([alive](const std::error_code& ec) {
    auto g = alive.lock();
    if (ec || !g || !(**g).running_) return;
    client& self = **g;
    if (self.link_ && self.link_->current_state() == link::state::idle)
      self.link_->connect(self.host_, self.port_);
  });
}

bool client::call(std::uint16_t method, std::span<const std::uint8_t> payload,
                  std::chrono::milliseconds timeout, call_callback cb) {
  if (!running_ || !link_) {
    asio::post(io_, [cb = std::move(cb)] { cb(status::error, {}); });
    return false;
  }
  return link_->call(method, payload, timeout, std::move(cb));
}

}  // namespace pummelo::broker::rpc
