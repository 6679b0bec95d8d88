#include "line_unit_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

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

AdapterResult<BatchEnd> read_fixed_unit(int fd, const SourceUnit& unit, std::size_t record_length,
                                        const std::function<bool(std::string_view)>& on_record) {
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  Sha256 sum;
  BatchEnd end;
  end.name = unit.name;
  // Whole records per read, about 64 KiB of them.
  const std::size_t len = std::max<std::size_t>(record_length, 1);
  std::string buf(len * std::max<std::size_t>(1, (std::size_t{1} << 16) / len), '\0');
  std::size_t have = 0;
  uint64_t offset = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(AdapterError{true, "io", "read " + unit.name + ": " + std::strerror(errno)});
    }
    have += static_cast<std::size_t>(n);
    std::size_t at = 0;
    while (have - at >= record_length && record_length > 0) {
      const std::string_view rec(buf.data() + at, record_length);
      if (end.count++ > 0) sum.update("\n");
      sum.update(rec);
      if (!on_record(rec)) return std::unexpected(AdapterError{true, "stopped", "read of " + unit.name + " stopped"});
      at += record_length;
      offset += record_length;
    }
    std::memmove(buf.data(), buf.data() + at, have - at);
    have -= at;
    if (n == 0) break;
  }
  if (have > 0)
    return std::unexpected(AdapterError{false, "bad-record",
                                        "the file ends " + std::to_string(have) + " bytes into a record at byte " +
                                            std::to_string(offset) + " (records of " + std::to_string(record_length) +
                                            " bytes, layout framing: none)"});
  end.final_newline = end.count > 0;
  if (end.final_newline) sum.update("\n");
  end.sha256 = sum.hex();
  return end;
}

AdapterResult<BatchEnd> read_line_unit(int fd, const SourceUnit& unit,
                                       const std::function<bool(std::string_view)>& on_record) {
  LineReader reader;
  reader.adopt(fd, unit.path);
  return read_lines(reader, unit, on_record);
}

}  // namespace renkei::adapters
