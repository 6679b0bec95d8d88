#include "allocator.hpp"

#include <jemalloc/jemalloc.h>

#include <cstddef>
#include <string>

// Read by jemalloc at its first allocation; MALLOC_CONF in the environment still overrides
// it, so ops can tune without a rebuild. Two arenas: the hub's hot threads are few (source,
// router, lanes) and each arena holds its own freed pages, which showed as peak RSS (97 MB
// more with the default of four per core). Freed pages go back to the kernel within 1 s
// rather than 10 s, so a finished batch does not leave its peak resident.
extern "C" {
// NOLINTNEXTLINE: jemalloc looks this name up; it must be a mutable global
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";
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
