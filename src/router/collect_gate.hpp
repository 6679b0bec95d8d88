#pragma once
// Where the scheduler and the source runner meet. Routes whose data moves only inside a
// run (at-run scheduled routes, manual and ad-hoc rows) are "gated": the source runner
// leaves their files in the inbox until a run opens the gate, and tells the run what it
// carried and whether anything was left. Ungated routes move on arrival as before; the
// gate still records when they last carried, for the on-arrival missing-data check.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "renkei/adapter.hpp"

namespace renkei {

// Whether an open run of `route` for `business_date` (YYYY-MM-DD) takes `unit`: a unit
// that knows its date must be of that date; otherwise, when the route's schedule says how
// file names carry the date (file_date), the name must hold it; else every unit belongs.
bool unit_belongs_to_run(const SourceUnit& unit, const RouteDef& route, const std::string& business_date);

class CollectGate {
 public:
  using Time = std::chrono::system_clock::time_point;

  struct Tally {
    std::uint64_t files = 0;       // units carried since the gate opened
    std::uint64_t records = 0;
    std::uint64_t scans = 0;       // source scans finished since the gate opened
    bool left_over = false;        // the last scan saw units of the route it did not finish
    std::optional<std::string> error;  // the last failure to carry (no record contents)
    std::string business_date;     // of the run that opened the gate (YYYY-MM-DD)
    std::uint64_t opening = 0;     // tells one opening from the next, for per-run state
    std::vector<std::string> batch_ids;  // of the units carried: the run waits for their outcome
    std::vector<std::string> file_names; // of the units carried, in order (SpoolNames): for job hooks
  };

  void set_gated(std::set<int> routes);
  bool gated(int route) const;
  // Gated and closed: the source runner must leave the route's units alone.
  bool held_back(int route) const;
  bool open(int route) const;

  // Scheduler side.
  void open_gate(int route, std::string business_date);  // resets the tally
  Tally close_gate(int route);
  std::optional<Tally> tally(int route) const;
  std::optional<Time> last_carried(int route) const;

  // Source runner side.
  void carried(int route, std::uint64_t records, Time at, const std::string& batch_id = {},
               const std::string& file_name = {});
  void failed(int route, std::string detail);
  void scanned(int route, bool left_over);

 private:
  mutable std::mutex mu_;
  std::set<int> gated_;
  std::map<int, Tally> open_;
  std::map<int, Time> last_carried_;
  std::uint64_t openings_ = 0;
};

}  // namespace renkei
