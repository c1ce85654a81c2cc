// doctest entry point of the cluster suite: real pummelo clusters (one
// process per server) started by cluster_process; PUMMELO_BIN names the
// binary. A listener counts failed assertions so that a cluster can print
// its servers' logs when the test that owns it failed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "cluster_process.hpp"

namespace {

struct failure_counter : doctest::IReporter {
  explicit failure_counter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& ad) override {
    if (ad.m_failed) ++pummelo::test::cluster_failed_asserts();
  }
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("cluster-failure-counter", 1, failure_counter);

}  // namespace

int main(int argc, char** argv) {
  const char* bin = std::getenv("PUMMELO_BIN");
  std::printf("cluster tests against: %s\n", bin != nullptr ? bin : "(PUMMELO_BIN unset)");
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
