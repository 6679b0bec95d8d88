#pragma once
// Reads the calendar's part of config/: the directory holding holiday-exceptions.yaml
// (required: without it 2019-2021 would be wrong) and closures.yaml (optional; when
// absent the city closes 12/29-1/3 and on no other day).
#include <filesystem>
#include <string>

#include "renkei/diagnostic.hpp"
#include "renkei/scheduler/jp_calendar.hpp"

namespace renkei {

// Messages name the files `<shown_dir>/<file>:line`, so pass the directory as the admin
// knows it (e.g. "calendar" relative to config/).
Result<CalendarOptions> load_calendar_options(const std::filesystem::path& dir,
                                              const std::string& shown_dir = "calendar");

}  // namespace renkei
