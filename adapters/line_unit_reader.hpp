#pragma once
// Reads a spooled unit (a file on disk) as line records with the end marker's count and
// checksum: what every source that lands its data in a file offers the runner.
#include <functional>
#include <string_view>

#include "renkei/adapter.hpp"

namespace renkei::adapters {

AdapterResult<BatchEnd> read_line_unit(const SourceUnit& unit, const std::function<bool(std::string_view)>& on_record);
// The same from an fd the caller opened and checked (it is closed here, always).
AdapterResult<BatchEnd> read_line_unit(int fd, const SourceUnit& unit,
                                       const std::function<bool(std::string_view)>& on_record);

// Records of exactly `record_length` bytes back to back, without separators (a host's
// RECFM=FB, layout framing: none), from an fd the caller opened (closed here, always). The
// end marker's count and checksum are those of the records as lines (each but the last
// followed by '\n', and a final one), which is what the delivery lane checks and what a
// target of text lines holds; a file whose size is no multiple of the length is refused.
AdapterResult<BatchEnd> read_fixed_unit(int fd, const SourceUnit& unit, std::size_t record_length,
                                        const std::function<bool(std::string_view)>& on_record);

}  // namespace renkei::adapters
