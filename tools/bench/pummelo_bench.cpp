// pummelo-bench: an MQTT load generator for any broker on host:port. This file
// only picks the scenario; each scenario parses its own options.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "scenarios.hpp"

namespace {
constexpr const char* usage_text =
    "usage: pummelo-bench SCENARIO [options]   (pummelo-bench SCENARIO --help)\n"
    "\n"
    "  conn     open many sessions, time the CONNACKs, measure broker memory\n"
    "  fanout   publishers to many subscribers of one topic\n"
    "  p2p      publisher/subscriber pairs, each on its own topic\n"
    "  channel  one push to a channel whose members span a cluster's frontends\n"
    "\n"
    "exit: 0 success, 1 the run failed or was incomplete, 2 usage error\n";
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage_text, stderr);
    return 2;
  }
  std::string_view s = argv[1];
  if (s == "--help" || s == "-h") {
    std::fputs(usage_text, stdout);
    return 0;
  }
  using namespace pummelo::bench;
  if (s == "conn") return conn_main(argc - 1, argv + 1);
  if (s == "fanout") return fanout_main(argc - 1, argv + 1);
  if (s == "p2p") return p2p_main(argc - 1, argv + 1);
  if (s == "channel") return channel_main(argc - 1, argv + 1);
  std::fprintf(stderr, "pummelo-bench: unknown scenario: %.*s\n\n%s", static_cast<int>(s.size()),
               s.data(), usage_text);
  return 2;
}
