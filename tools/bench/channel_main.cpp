// pummelo-bench channel: placeholder until the channel scenario lands.
#include <cstdio>

#include "scenarios.hpp"

int pummelo::bench::channel_main(int, char**) {
  std::fputs("pummelo-bench: channel is not built yet\n", stderr);
  return 2;
}
