#pragma once
// A route's schedule in the form the scheduler computes with: either a cron expression
// with its rule for non-business days, or a business-day spec (business_day_spec.hpp),
// which needs no rule because it only ever lands on business days.
#include <expected>
#include <string>
#include <string_view>
#include <variant>

#include "renkei/catalogue/cron_expr.hpp"
#include "renkei/catalogue/enums.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/catalogue/business_day_spec.hpp"

namespace renkei {

struct CronSchedule {
  CronExpr cron;
  BusinessDayRule rule = BusinessDayRule::Run;
};

using RunSpec = std::variant<CronSchedule, BusinessDaySpec>;

// "bd:…" is a business-day spec (the rule is then ignored), anything else cron.
std::expected<RunSpec, std::string> parse_run_spec(std::string_view text, BusinessDayRule rule);
std::expected<RunSpec, std::string> run_spec_of(const Schedule& schedule);

}  // namespace renkei
