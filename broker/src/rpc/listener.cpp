#include "rpc/listener.hpp"

#include "log.hpp"

namespace pummelo::broker::rpc {

listener::listener(asio::io_context& io, link_options opts, request_handler handler)
    : io_(io),
      opts_(std::move(opts)),
      handler_(std::move(handler)),
      acceptor_(io),
      retry_timer_(io),
      alive_(std::make_shared<listener*>(this)) {}

listener::~listener() { stop(); }

void listener::listen(const std::string& address, std::uint16_t port) {
  asio::ip::tcp::endpoint ep(asio::ip::make_address(address), port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept_next();
}

void listener::accept_next() {
  std::weak_ptr<listener*> alive = alive_;
  acceptor_.async_accept([alive](const std::error_code& ec, asio::ip::tcp::socket socket) {
    auto guard = alive.lock();
    if (!guard) return;
    listener& self = **guard;
    if (!self.acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors and the like: pause instead of spinning on the
      // error. A closed acceptor (stop) was handled above.
      log(log_level::warning, "rpc listener: accept failed: ", ec.message());
      self.retry_timer_.expires_after(std::chrono::milliseconds(100));
      self.retry_timer_.async_wait([alive](const std::error_code& tec) {
        auto g = alive.lock();
        if (!tec && g && (**g).acceptor_.is_open()) (**g).accept_next();
      });
      return;
    }
    {
      auto l = link::create(self.io_, link::role::acceptor, self.opts_);
      l->set_request_handler(self.handler_);
      if (self.link_handler_) self.link_handler_(l);
      l->set_closed_handler([alive](link& closed_link) {
        if (auto g = alive.lock()) {
          if ((**g).closed_handler_) (**g).closed_handler_(closed_link);
          (**g).links_.erase(&closed_link);
        }
      });
      self.links_.emplace(l.get(), l);
      l->start(std::move(socket));
    }
    self.accept_next();
  });
}

void listener::stop() {
  std::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  // Closed handlers erase from links_: iterate over a copy.
  auto links = std::move(links_);
  links_.clear();
  for (const auto& [p, l] : links) l->close("listener stopped");
}

}  // namespace pummelo::broker::rpc
