// cluster::sync_barrier: the armed action runs exactly once, after the last
// expected confirmation, whatever the order of confirmations and arming.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "cluster/sync_barrier.hpp"

using pummelo::broker::cluster::done_fn;
using pummelo::broker::cluster::sync_barrier;

TEST_CASE("sync_barrier: armed with nothing pending, the action runs inline") {
  auto b = std::make_shared<sync_barrier>();
  int runs = 0;
  b->arm([&] { ++runs; });
  CHECK(runs == 1);
}

TEST_CASE("sync_barrier: the action runs once, after the last confirmation, in any order") {
  std::vector<int> order{0, 1, 2, 3};
  int permutations = 0;
  do {
    CAPTURE(order[0]);
    CAPTURE(order[1]);
    CAPTURE(order[2]);
    CAPTURE(order[3]);
    ++permutations;
    auto b = std::make_shared<sync_barrier>();
    std::vector<done_fn> confirm;
    for (int i = 0; i < 4; ++i) confirm.push_back(b->expect());
    int runs = 0;
    b->arm([&] { ++runs; });
    for (std::size_t k = 0; k < order.size(); ++k) {
      CHECK(runs == 0);
      // A failed confirmation counts as arrived too.
      confirm[order[k]](k % 2 == 0);
    }
    CHECK(runs == 1);
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(permutations == 24);
}

TEST_CASE("sync_barrier: armed after every confirmation arrived, the action runs inline once") {
  auto b = std::make_shared<sync_barrier>();
  auto c1 = b->expect();
  auto c2 = b->expect();
  c2(true);
  c1(false);
  int runs = 0;
  b->arm([&] { ++runs; });
  CHECK(runs == 1);
}

TEST_CASE("sync_barrier: armed between confirmations, the action waits for the rest") {
  auto b = std::make_shared<sync_barrier>();
  auto c1 = b->expect();
  auto c2 = b->expect();
  auto c3 = b->expect();
  c3(true);
  int runs = 0;
  b->arm([&] { ++runs; });
  CHECK(runs == 0);
  c1(true);
  CHECK(runs == 0);
  c2(true);
  CHECK(runs == 1);
}

TEST_CASE("sync_barrier: the barrier outlives its owner while confirmations are outstanding") {
  int runs = 0;
  done_fn confirm;
  {
    auto b = std::make_shared<sync_barrier>();
    confirm = b->expect();
    b->arm([&] { ++runs; });
  }  // the owner's reference is gone; the callback keeps the barrier alive
  CHECK(runs == 0);
  confirm(true);
  CHECK(runs == 1);
}

TEST_CASE("sync_barrier: confirmations from several threads run the action once") {
  for (int round = 0; round < 20; ++round) {
    auto b = std::make_shared<sync_barrier>();
    std::vector<done_fn> confirm;
    for (int i = 0; i < 4; ++i) confirm.push_back(b->expect());
    std::atomic<int> runs{0};
    b->arm([&] { runs.fetch_add(1); });
    std::vector<std::thread> threads;
    for (auto& c : confirm) threads.emplace_back([c] { c(true); });
    for (auto& t : threads) t.join();
    CHECK(runs.load() == 1);
  }
}
