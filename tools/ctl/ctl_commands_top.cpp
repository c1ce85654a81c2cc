// top: status every second, redrawn in place on a terminal, one block per
// refresh otherwise, until Ctrl-C (exit 0) or --count refreshes.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>

#include "ctl_commands.hpp"
#include "ctl_connection.hpp"
#include "ctl_json.hpp"
#include "ctl_probe.hpp"
#include "ctl_requests.hpp"

namespace pummelo::ctl {

namespace {

volatile std::sig_atomic_t interrupted = 0;

extern "C" void on_sigint(int) { interrupted = 1; }

bool stop_requested() { return interrupted != 0; }

std::string clock_text() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return buf;
}

// Home, clear the screen: the only escape codes used, and only on a terminal.
constexpr std::string_view clear_screen = "\x1b[H\x1b[2J";

}  // namespace

int run_top(const invocation& inv) {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: waits end promptly

  const std::uint64_t count = std::stoull(inv.value("count", "0"));  // 0: until Ctrl-C
  const bool tty = isatty(STDOUT_FILENO) != 0;
  const std::string request = request_json(inv);
  const std::string address = host_port(inv.global.host, inv.global.port);
  const std::function<bool()> stop = stop_requested;

  try {
    admin_connection conn(inv.global, stop);
    auto next = std::chrono::steady_clock::now();
    for (std::uint64_t n = 0; count == 0 || n < count; ++n) {
      const rapidjson::Document result = conn.request(request, stop);
      if (inv.global.json) {
        std::cout << to_json(result, false);
      } else {
        std::string frame = "pummeloctl top - " + address + " - " + clock_text() +
                            (tty ? " (Ctrl-C quits)" : "") + "\n\n" + render_top(result);
        std::cout << (tty ? std::string(clear_screen) + frame : frame + "\n");
      }
      std::cout << std::flush;
      if (count != 0 && n + 1 == count) break;
      next += std::chrono::seconds(1);
      if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
      while (std::chrono::steady_clock::now() < next) {
        if (stop_requested()) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  } catch (const interrupted_error&) {
    return 0;
  }
  return 0;
}

}  // namespace pummelo::ctl
