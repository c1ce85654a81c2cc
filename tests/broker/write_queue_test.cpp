// The write queue: byte accounting, gathering into iovecs, consumption.
#include <doctest/doctest.h>

#include <memory>

#include "write_queue.hpp"

using namespace pummelo::broker;

TEST_CASE("write_queue counts bytes of owned and shared parts") {
  write_queue q;
  CHECK(q.empty());
  auto body = std::make_shared<const byte_buffer>(byte_buffer{1, 2, 3, 4, 5, 6});
  q.push(out_chunk{{9, 9}, body, 2, 3});
  q.push(out_chunk{{7}, nullptr, 0, 0});
  CHECK(q.bytes() == 2 + 3 + 1);

  std::vector<asio::const_buffer> bufs;
  CHECK(q.gather(bufs, 64) == 2);
  REQUIRE(bufs.size() == 3);  // owned + shared slice, then owned only
  CHECK(bufs[0].size() == 2);
  CHECK(bufs[1].size() == 3);
  CHECK(static_cast<const std::uint8_t*>(bufs[1].data())[0] == 3);
  CHECK(bufs[2].size() == 1);

  q.consume(1);
  CHECK(q.bytes() == 1);
  q.consume(1);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("gather stops at max_chunks and keeps the rest queued") {
  write_queue q;
  for (int i = 0; i < 10; ++i) q.push(out_chunk{{static_cast<std::uint8_t>(i)}, nullptr, 0, 0});
  std::vector<asio::const_buffer> bufs;
  CHECK(q.gather(bufs, 4) == 4);
  CHECK(bufs.size() == 4);
  q.consume(4);
  CHECK(q.bytes() == 6);
  bufs.clear();
  CHECK(q.gather(bufs, 64) == 6);
  CHECK(static_cast<const std::uint8_t*>(bufs[0].data())[0] == 4);
}

TEST_CASE("buffered pushes are counted until written, not until a write starts") {
  write_queue q;
  out_chunk push{{1}, nullptr, 0, 0, true};
  out_chunk ack{{2}, nullptr, 0, 0, false};
  q.push(push);
  q.push(ack);
  q.push(push);
  CHECK(q.buffered_pushes() == 2);
  std::vector<asio::const_buffer> bufs;
  CHECK(q.gather(bufs, 1) == 1);
  CHECK(q.buffered_pushes() == 2);  // gathered is not written
  q.consume(1);
  CHECK(q.buffered_pushes() == 1);
  q.clear();
  CHECK(q.buffered_pushes() == 0);
}
