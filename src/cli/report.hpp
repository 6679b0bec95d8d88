#pragma once
// How every renkeictl subcommand prints the problems of an input and exits.
#include <ostream>

#include "renkei/diagnostic.hpp"

namespace renkei::cli {

inline constexpr int kOk = 0;
inline constexpr int kInvalid = 1;  // invalid input: every problem printed as file:line: message
inline constexpr int kUsage = 2;

inline int report(const Diagnostics& d, std::ostream& err) {
  for (const auto& item : d.sorted()) err << item.str() << "\n";
  err << d.size() << (d.size() == 1 ? " error" : " errors") << "\n";
  return kInvalid;
}

}  // namespace renkei::cli
