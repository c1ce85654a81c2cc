// doctest entry point of the integration suite. The broker under test comes
// from PUMMELO_TEST_BROKER ("pummelo" or "mosquitto", default mosquitto).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "broker_process.hpp"

int main(int argc, char** argv) {
  std::printf("integration tests against: %s\n",
              pummelo::test::to_string(pummelo::test::kind_from_env()));
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
