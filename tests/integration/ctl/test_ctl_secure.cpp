// pummeloctl against a real pummelo broker with passwords and the ACL of
// conf/secure (alice and bob are devices, `backend` pushes, only `admin` may
// use $CONTROL). Every user's password is "<user>-secret".
#include <string>

#include "ctl_support.hpp"
#include "push_support.hpp"

using namespace pummelo::test;

namespace {

broker_settings secure_settings() {
  const std::string dir = std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure";
  broker_settings s;
  s.allow_anonymous = false;
  s.password_file = dir + "/passwd";
  s.pummelo_acl_file = dir + "/acl.json";
  return s;
}

}  // namespace

TEST_CASE("ctl secure: only admin may use the admin API") {
  broker_process broker(broker_kind::pummelo, secure_settings());
  const auto port = broker.port();

  // Successful logins first: the broker delays an address after repeated
  // failed logins.
  SUBCASE("admin with --user/--password") {
    const process_result r = ctl_at(port, {"--user", "admin", "--password", "admin-secret", "status"});
    INFO("out:\n", r.out, "stderr: ", r.err);
    CHECK(r.status == 0);
    CHECK(table_row(r.out, "pummelo").size() > 1);
    const auto doc = ctl_json_at(port, {"-u", "admin", "-P", "admin-secret", "status"});
    CHECK(bool_of(array_of(doc, "servers")[0], "reachable") == true);
  }
  SUBCASE("admin with PUMMELO_PASSWORD") {
    const process_result r =
        ctl_at(port, {"--user", "admin", "status"}, {{"PUMMELO_PASSWORD", "admin-secret"}});
    INFO("out:\n", r.out, "stderr: ", r.err);
    CHECK(r.status == 0);
    CHECK(table_row(r.out, "pummelo").size() > 1);
  }
  SUBCASE("a device is refused") {
    check_failure(ctl_at(port, {"--user", "alice", "--password", "alice-secret", "status"}), 1,
                  "not authorized");
  }
  SUBCASE("a backend is refused, even for push") {
    check_failure(ctl_at(port, {"--user", "backend", "--password", "backend-secret", "status"}),
                  1, "not authorized");
    check_failure(ctl_at(port, {"--user", "backend", "--password", "backend-secret", "push",
                                "--topic", "t", "--payload", "p", "--uids", "alice"}),
                  1, "not authorized");
  }
  SUBCASE("a wrong password is refused") {
    check_failure(ctl_at(port, {"--user", "admin", "--password", "wrong", "status"}), 1,
                  "not authorized");
  }
  SUBCASE("no credentials are refused") {
    check_failure(ctl_at(port, {"status"}), 1, "not authorized");
  }
}
