#include "renkei/scheduler/calendar_config.hpp"

namespace renkei {

Result<CalendarOptions> load_calendar_options(const std::filesystem::path& dir,
                                              const std::string& shown_dir) {
  auto shown = [&](const std::string& file) { return shown_dir.empty() ? file : shown_dir + "/" + file; };
  Diagnostics diags;
  CalendarOptions out;

  if (auto e = load_holiday_exceptions((dir / "holiday-exceptions.yaml").string(),
                                       shown("holiday-exceptions.yaml")))
    out.exceptions = std::move(*e);
  else
    diags.append(e.error());

  // error_code form: a calendar directory that loops or cannot be read must be reported
  // (the read below says why), not thrown out of a reload or `validate`; a dangling
  // symlink counts as there, so the read reports it too.
  std::error_code ec;
  if (const auto path = dir / "closures.yaml";
      std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found) {
    if (auto c = load_closures(path.string(), shown("closures.yaml")))
      out.closures = std::move(*c);
    else
      diags.append(c.error());
  }

  if (!diags.empty()) return std::unexpected(diags);
  return out;
}

}  // namespace renkei
