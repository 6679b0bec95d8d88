#include "allocator.hpp"

#include <cstddef>
#include <string>

#ifdef RENKEI_JEMALLOC
#include <jemalloc/jemalloc.h>

// Read by jemalloc at its first allocation; MALLOC_CONF in the environment still overrides
// it, so ops can tune without a rebuild. Measured with the 1M-record file (renkeid-only
// copy of bench/bus_bench.sh, 2 cores, load 1.4-3.6):
// - two arenas: the hub's hot threads are few (source, router, lanes) and each arena
//   keeps its own freed pages: VmHWM 146 MB with two, 176 MB with the default eight;
// - freed pages go back within 500 ms (default 10 s): VmHWM 131-136 MB in three runs,
//   115-163 MB at 1 s; 200 ms cost 5-10 % more CPU, 0 ms twice the CPU.
extern "C" {
// NOLINTNEXTLINE: jemalloc looks this name up; it must be a mutable global
const char* malloc_conf = "narenas:2,dirty_decay_ms:500,muzzy_decay_ms:0";
}

namespace renkei {

namespace {
template <typename T>
bool read_ctl(const char* name, T& out) {
  std::size_t size = sizeof(T);
  return mallctl(name, &out, &size, nullptr, 0) == 0 && size == sizeof(T);
}
}  // namespace

std::string allocator_summary() {
  const char* version = nullptr;
  unsigned arenas = 0;
  ssize_t dirty_ms = 0;
  if (!read_ctl("version", version) || !read_ctl("opt.narenas", arenas) || !read_ctl("opt.dirty_decay_ms", dirty_ms))
    return "allocator settings unreadable (mallctl failed)";
  return "jemalloc " + std::string(version) + ", " + std::to_string(arenas) + " arenas, dirty decay " +
         std::to_string(dirty_ms) + " ms";
}

}  // namespace renkei

#else

namespace renkei {
std::string allocator_summary() { return "the sanitizer's allocator"; }
}  // namespace renkei

#endif
