#pragma once
// A problem found in an input file, located precisely enough for an admin to fix it.
#include <expected>
#include <string>
#include <vector>

namespace renkei {

struct Diagnostic {
  std::string file;
  int line = 0;        // 1-based; 0 when the problem is not tied to a line
  std::string message;

  // "file:line: message", the form every tool and test relies on.
  std::string str() const;
};

// Collects every problem of a run, so that one pass reports them all.
class Diagnostics {
 public:
  void error(std::string file, int line, std::string message);
  void append(const Diagnostics& other);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sorted by file, then line, so output is stable however the checks ran.
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> items_;
};

template <class T>
using Result = std::expected<T, Diagnostics>;

}  // namespace renkei
