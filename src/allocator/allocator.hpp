#pragma once
#include <string>

namespace renkei {

// renkeid allocates with jemalloc, librdkafka included (it is the process's malloc). Each
// record crosses three threads (source → librdkafka → router → lane) and glibc's malloc
// spent a third of the hub's CPU on that traffic: the renkeid-only copy of the 1M-record
// bench took 4.5 s with it and 2.9-3.7 s with jemalloc (README, Performance).
//
// "jemalloc <version>, <n> arenas, dirty decay <ms> ms" for the start-up log, or why it
// is not known (the process runs on some other allocator).
std::string allocator_summary();

}  // namespace renkei
