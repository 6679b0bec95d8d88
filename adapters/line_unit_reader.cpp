#include "line_unit_reader.hpp"

#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace renkei::adapters {

namespace {

AdapterResult<BatchEnd> read_lines(LineReader& reader, const SourceUnit& unit,
                                   const std::function<bool(std::string_view)>& on_record) {
  auto io = [](const IoError& e) { return AdapterError{true, "io", e.message}; };
  Sha256 sum;
  reader.on_bytes([&](std::string_view bytes) { sum.update(bytes); });
  BatchEnd end;
  end.name = unit.name;
  std::string_view line;
  for (;;) {
    auto more = reader.next(line);
    if (!more) return std::unexpected(io(more.error()));
    if (!*more) break;
    ++end.count;
    if (!on_record(line)) return std::unexpected(AdapterError{true, "stopped", "read of " + unit.name + " stopped"});
  }
  end.final_newline = end.count > 0 && reader.ended_with_newline();
  end.sha256 = sum.hex();
  return end;
}

}  // namespace

AdapterResult<BatchEnd> read_line_unit(const SourceUnit& unit, const std::function<bool(std::string_view)>& on_record) {
  LineReader reader;
  if (auto r = reader.open(unit.path); !r) return std::unexpected(AdapterError{true, "io", r.error().message});
  return read_lines(reader, unit, on_record);
}

AdapterResult<BatchEnd> read_line_unit(int fd, const SourceUnit& unit,
                                       const std::function<bool(std::string_view)>& on_record) {
  LineReader reader;
  reader.adopt(fd, unit.path);
  return read_lines(reader, unit, on_record);
}

}  // namespace renkei::adapters
