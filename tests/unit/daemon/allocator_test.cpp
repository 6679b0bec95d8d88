// renkeid's allocator: linked the way renkeid is, malloc must be jemalloc's (not glibc's)
// and the hub's settings (allocator/allocator.cpp) must be the ones in force.
#include <gtest/gtest.h>
#include <jemalloc/jemalloc.h>

#include <cstdint>
#include <cstdlib>

#include "allocator.hpp"

namespace renkei {
namespace {

std::uint64_t allocated_by_this_thread() {
  std::uint64_t bytes = 0;
  std::size_t size = sizeof(bytes);
  EXPECT_EQ(mallctl("thread.allocated", &bytes, &size, nullptr, 0), 0);
  return bytes;
}

TEST(Allocator, PlainMallocIsServedByJemalloc) {
  const auto before = allocated_by_this_thread();
  void* p = std::malloc(1 << 20);
  ASSERT_NE(p, nullptr);
  const auto after = allocated_by_this_thread();
  std::free(p);
  // glibc's malloc first in the link order would leave jemalloc's counter where it was.
  EXPECT_GE(after - before, std::uint64_t{1} << 20);
}

TEST(Allocator, HubSettingsAreInForce) {
  unsigned arenas = 0;
  std::size_t size = sizeof(arenas);
  ASSERT_EQ(mallctl("opt.narenas", &arenas, &size, nullptr, 0), 0);
  EXPECT_EQ(arenas, 2u);
  ssize_t muzzy = -2;
  size = sizeof(muzzy);
  ASSERT_EQ(mallctl("opt.muzzy_decay_ms", &muzzy, &size, nullptr, 0), 0);
  EXPECT_EQ(muzzy, 0);
  const auto summary = allocator_summary();
  EXPECT_EQ(summary.rfind("jemalloc 5.", 0), 0u) << summary;
  EXPECT_NE(summary.find(", 2 arenas, dirty decay 500 ms"), std::string::npos) << summary;
}

}  // namespace
}  // namespace renkei
