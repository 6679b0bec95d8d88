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

}  // namespace renkei::adapters
