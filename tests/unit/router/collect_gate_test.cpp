// Which waiting units an open run takes (unit_belongs_to_run), and the gate's run date.
#include <gtest/gtest.h>

#include "collect_gate.hpp"

namespace renkei {
namespace {

RouteDef route(std::optional<std::string> file_date) {
  RouteDef r;
  r.id = 9;
  r.schedule = Schedule{};
  r.schedule->cron = "0 22 * * *";
  r.schedule->file_date = std::move(file_date);
  return r;
}

SourceUnit unit(std::string name, std::optional<std::string> date = std::nullopt) {
  SourceUnit u;
  u.route_id = 9;
  u.name = std::move(name);
  u.business_date = std::move(date);
  return u;
}

TEST(CollectGate, WithoutFileDateARunTakesEveryWaitingFile) {
  EXPECT_TRUE(unit_belongs_to_run(unit("nightly.csv"), route(std::nullopt), "2026-11-25"));
  RouteDef unscheduled;
  unscheduled.id = 9;
  EXPECT_TRUE(unit_belongs_to_run(unit("x"), unscheduled, "2026-11-25"));
}

TEST(CollectGate, WithFileDateARunTakesOnlyItsOwnDatesFiles) {
  const auto r = route("RJ%Y%m%d");
  EXPECT_TRUE(unit_belongs_to_run(unit("RJ20261125.csv"), r, "2026-11-25"));
  EXPECT_FALSE(unit_belongs_to_run(unit("RJ20261126.csv"), r, "2026-11-25"));
  EXPECT_FALSE(unit_belongs_to_run(unit("nightly.csv"), r, "2026-11-25"));
  EXPECT_FALSE(unit_belongs_to_run(unit("RJ20261125.csv"), r, "not a date"));
}

TEST(CollectGate, AUnitThatKnowsItsDateBelongsToThatDatesRunOnly) {
  EXPECT_TRUE(unit_belongs_to_run(unit("009-20261125-abc", "2026-11-25"), route(std::nullopt), "2026-11-25"));
  EXPECT_FALSE(unit_belongs_to_run(unit("009-20261125-abc", "2026-11-25"), route(std::nullopt), "2026-11-26"));
  // The unit's own date wins over the name pattern.
  EXPECT_TRUE(unit_belongs_to_run(unit("RJ20261126", "2026-11-25"), route("RJ%Y%m%d"), "2026-11-25"));
}

TEST(CollectGate, EachOpeningCarriesItsRunDateAndANewOpeningNumber) {
  CollectGate gate;
  gate.set_gated({9});
  EXPECT_TRUE(gate.held_back(9));
  gate.open_gate(9, "2026-11-25");
  auto first = gate.tally(9);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->business_date, "2026-11-25");
  EXPECT_FALSE(gate.held_back(9));
  gate.carried(9, 10, CollectGate::Time{});
  auto closed = gate.close_gate(9);
  EXPECT_EQ(closed.files, 1u);
  EXPECT_EQ(closed.records, 10u);
  EXPECT_TRUE(gate.held_back(9));
  gate.open_gate(9, "2026-11-26");
  auto second = gate.tally(9);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->business_date, "2026-11-26");
  EXPECT_NE(second->opening, first->opening);
  EXPECT_EQ(second->files, 0u);
}

}  // namespace
}  // namespace renkei
