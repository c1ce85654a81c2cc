// The write queue: byte accounting, gathering into iovecs, partial writes.
#include <doctest/doctest.h>

#include <memory>

#include "write_queue.hpp"

using namespace pummelo::broker;

namespace {
std::uint8_t first_byte(const iovec& v) { return static_cast<const std::uint8_t*>(v.iov_base)[0]; }
}  // namespace

TEST_CASE("write_queue counts bytes of owned and shared parts") {
  write_queue q;
  CHECK(q.empty());
  auto body = std::make_shared<const byte_buffer>(byte_buffer{1, 2, 3, 4, 5, 6});
  q.push(out_chunk{{9, 9}, body, 2, 3});
  q.push(out_chunk{{7}, nullptr, 0, 0});
  CHECK(q.bytes() == 2 + 3 + 1);

  iovec iov[64];
  REQUIRE(q.gather(iov, 64) == 3);  // owned + shared slice, then owned only
  CHECK(iov[0].iov_len == 2);
  CHECK(iov[1].iov_len == 3);
  CHECK(first_byte(iov[1]) == 3);
  CHECK(iov[2].iov_len == 1);

  q.consume(5);
  CHECK(q.bytes() == 1);
  q.consume(1);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
  CHECK(q.gather(iov, 64) == 0);
}

TEST_CASE("a partial write resumes inside a chunk, across owned and shared parts") {
  write_queue q;
  auto body = std::make_shared<const byte_buffer>(byte_buffer{10, 11, 12, 13});
  q.push(out_chunk{{1, 2, 3}, body, 1, 3});  // 1 2 3 | 11 12 13
  q.push(out_chunk{{4, 5}, nullptr, 0, 0});
  iovec iov[8];

  q.consume(2);  // into the owned part
  REQUIRE(q.gather(iov, 8) == 3);
  CHECK(iov[0].iov_len == 1);
  CHECK(first_byte(iov[0]) == 3);
  CHECK(first_byte(iov[1]) == 11);

  q.consume(2);  // past the owned part, into the shared slice
  CHECK(q.bytes() == 4);
  REQUIRE(q.gather(iov, 8) == 2);
  CHECK(iov[0].iov_len == 2);
  CHECK(first_byte(iov[0]) == 12);
  CHECK(first_byte(iov[1]) == 4);

  q.consume(3);  // the first chunk done, one byte of the second
  REQUIRE(q.gather(iov, 8) == 1);
  CHECK(iov[0].iov_len == 1);
  CHECK(first_byte(iov[0]) == 5);
  q.consume(1);
  CHECK(q.empty());
}

TEST_CASE("gather stops at max iovecs and keeps the rest queued") {
  write_queue q;
  for (int i = 0; i < 10; ++i) q.push(out_chunk{{static_cast<std::uint8_t>(i)}, nullptr, 0, 0});
  iovec iov[64];
  CHECK(q.gather(iov, 4) == 4);
  q.consume(4);
  CHECK(q.bytes() == 6);
  CHECK(q.gather(iov, 64) == 6);
  CHECK(first_byte(iov[0]) == 4);
}

TEST_CASE("many chunks written one by one stay in order (front compaction)") {
  write_queue q;
  for (int i = 0; i < 200; ++i) q.push(out_chunk{{static_cast<std::uint8_t>(i)}, nullptr, 0, 0});
  iovec iov[1];
  for (int i = 0; i < 200; ++i) {
    REQUIRE(q.gather(iov, 1) == 1);
    CHECK(first_byte(iov[0]) == static_cast<std::uint8_t>(i));
    q.consume(1);
    if (i == 99) q.push(out_chunk{{200}, nullptr, 0, 0});
  }
  REQUIRE(q.gather(iov, 1) == 1);
  CHECK(first_byte(iov[0]) == 200);
}

TEST_CASE("buffered pushes are counted until fully written") {
  write_queue q;
  out_chunk push{{1, 1}, nullptr, 0, 0, true};
  out_chunk ack{{2}, nullptr, 0, 0, false};
  q.push(push);
  q.push(ack);
  q.push(push);
  CHECK(q.buffered_pushes() == 2);
  q.consume(1);  // half of the first push
  CHECK(q.buffered_pushes() == 2);
  q.consume(1);
  CHECK(q.buffered_pushes() == 1);
  q.clear();
  CHECK(q.buffered_pushes() == 0);
  CHECK(q.empty());
}
