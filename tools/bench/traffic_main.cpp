// pummelo-bench fanout and p2p: placeholder until the traffic scenarios land.
#include <cstdio>

#include "scenarios.hpp"

int pummelo::bench::fanout_main(int, char**) {
  std::fputs("pummelo-bench: fanout is not built yet\n", stderr);
  return 2;
}
int pummelo::bench::p2p_main(int, char**) {
  std::fputs("pummelo-bench: p2p is not built yet\n", stderr);
  return 2;
}
