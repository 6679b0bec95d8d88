#include "renkei/scheduler/run_spec.hpp"

namespace renkei {

std::expected<RunSpec, std::string> parse_run_spec(std::string_view text, BusinessDayRule rule) {
  if (BusinessDaySpec::is_spec(text)) {
    auto spec = BusinessDaySpec::parse(text);
    if (!spec) return std::unexpected(spec.error());
    return RunSpec{*spec};
  }
  auto cron = CronExpr::parse(text);
  if (!cron) return std::unexpected(cron.error());
  return RunSpec{CronSchedule{*cron, rule}};
}

std::expected<RunSpec, std::string> run_spec_of(const Schedule& schedule) {
  return parse_run_spec(schedule.cron, schedule.on_non_business_day);
}

}  // namespace renkei
