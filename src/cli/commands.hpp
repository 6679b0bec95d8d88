#pragma once
#include <iosfwd>

namespace renkei::cli {

// The whole of renkeictl, with its streams passed in so tests can run it in-process.
// Exit codes: 0 ok, 1 invalid input, 2 usage.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace renkei::cli
