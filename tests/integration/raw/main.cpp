// Raw-socket integration cases; the broker under test comes from
// PUMMELO_TEST_BROKER (pummelo | mosquitto), see broker_process.hpp.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
