// pummeloctl's formatting helpers and ASCII tables.
#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

#include "ctl_format.hpp"
#include "ctl_table.hpp"

using namespace pummelo::ctl;

TEST_CASE("ctl format: uptime shows the two largest units") {
  CHECK(format_uptime(0) == "0s");
  CHECK(format_uptime(59) == "59s");
  CHECK(format_uptime(60) == "1m 00s");
  CHECK(format_uptime(725) == "12m 05s");
  CHECK(format_uptime(3600) == "1h 00m");
  CHECK(format_uptime(3 * 3600 + 7 * 60 + 59) == "3h 07m");
  CHECK(format_uptime(86400) == "1d 00h");
  CHECK(format_uptime(2 * 86400 + 3 * 3600 + 5) == "2d 03h");
  CHECK(format_uptime(400 * 86400) == "400d 00h");
}

TEST_CASE("ctl format: memory in MiB, rates with one decimal") {
  CHECK(format_mib(0) == "0.0");
  CHECK(format_mib(9437184) == "9.0");
  CHECK(format_mib(1572864) == "1.5");
  CHECK(format_mib(1024ull * 1024 * 1024 * 3) == "3072.0");
  CHECK(format_rate(0) == "0.0");
  CHECK(format_rate(1.5) == "1.5");
  CHECK(format_rate(12345.67) == "12345.7");
  CHECK(format_rate(-1) == "-");
  CHECK(format_rate(std::numeric_limits<double>::quiet_NaN()) == "-");
}

TEST_CASE("ctl format: plural, lower_ascii, printable, display_width") {
  CHECK(plural(0, "client", "clients") == "0 clients");
  CHECK(plural(1, "client", "clients") == "1 client");
  CHECK(plural(2, "client", "clients") == "2 clients");
  CHECK(lower_ascii("Connection Refused") == "connection refused");
  CHECK(printable("a\tb\nc\x7f") == "a?b?c?");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(display_width("caf\xc3\xa9") == 4);
  CHECK(display_width("") == 0);
}

TEST_CASE("ctl format: the reason of an OpenSSL error line") {
  CHECK(openssl_reason("C0C64182777F0000:error:0A000086:SSL routines:"
                       "tls_post_process_server_certificate:certificate verify failed:"
                       "../ssl/statem/statem_clnt.c:1889:\n") == "certificate verify failed");
  CHECK(openssl_reason("  something else \n") == "something else");
  CHECK(openssl_reason("x:error:short") == "x:error:short");
}

TEST_CASE("ctl table: header row, aligned columns, right-aligned numbers, no trailing blanks") {
  table t({{"NAME"}, {"MEMBERS", align::right}, {"NOTE"}});
  t.add_row({"news", "3", "x"});
  t.add_row({"sport/football", "12345", ""});
  CHECK(t.rows() == 2);
  CHECK(t.render() ==
        "NAME            MEMBERS  NOTE\n"
        "news                  3  x\n"
        "sport/football    12345\n");
}

TEST_CASE("ctl table: an empty table is its header; short rows are padded; long rows refused") {
  table t({{"A"}, {"B"}});
  CHECK(t.render() == "A  B\n");
  t.add_row({"only-a"});
  CHECK(t.render() == "A       B\nonly-a\n");
  CHECK_THROWS_AS(t.add_row({"1", "2", "3"}), std::invalid_argument);
}

TEST_CASE("ctl table: UTF-8 cells align by code points; control characters become '?'") {
  table t({{"ID"}, {"N", align::right}});
  t.add_row({"caf\xc3\xa9", "1"});
  t.add_row({"bad\nid", "22"});
  CHECK(t.render() ==
        "ID       N\n"
        "caf\xc3\xa9     1\n"
        "bad?id  22\n");
}
