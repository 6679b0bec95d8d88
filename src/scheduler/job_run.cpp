#include "renkei/scheduler/job_run.hpp"

#include <nlohmann/json.hpp>

#include "renkei/catalogue/model.hpp"
#include "renkei/scheduler/date_text.hpp"

namespace renkei {

std::string_view to_string(RunState s) {
  switch (s) {
    case RunState::Running: return "running";
    case RunState::Succeeded: return "succeeded";
    case RunState::Failed: return "failed";
    case RunState::Missing: return "missing";
  }
  return "?";
}

std::string_view to_string(RunTrigger t) {
  switch (t) {
    case RunTrigger::Schedule: return "schedule";
    case RunTrigger::CatchUp: return "catch-up";
    case RunTrigger::Manual: return "manual";
  }
  return "?";
}

std::optional<RunState> parse_run_state(std::string_view s) {
  for (auto v : {RunState::Running, RunState::Succeeded, RunState::Failed, RunState::Missing})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::optional<RunTrigger> parse_run_trigger(std::string_view s) {
  for (auto v : {RunTrigger::Schedule, RunTrigger::CatchUp, RunTrigger::Manual})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::string JobRun::id() const {
  std::string digits;
  for (char c : business_date)
    if (c != '-') digits += c;
  return interface_label(route) + "-" + digits;
}

std::string JobRun::key() const { return "run/" + interface_label(route) + "/" + business_date; }

std::optional<std::string> run_date_of(std::string_view text, int route) {
  if (parse_date(text)) return std::string(text);
  const std::string prefix = interface_label(route) + "-";
  if (text.size() != prefix.size() + 8 || !text.starts_with(prefix)) return std::nullopt;
  auto d = text.substr(prefix.size());
  std::string date = std::string(d.substr(0, 4)) + "-" + std::string(d.substr(4, 2)) + "-" + std::string(d.substr(6, 2));
  if (!parse_date(date)) return std::nullopt;
  return date;
}

std::string to_json(const JobRun& r) {
  nlohmann::ordered_json j{
      {"id", r.id()},
      {"route", r.route},
      {"business_date", r.business_date},
      {"state", to_string(r.state)},
      {"trigger", to_string(r.trigger)},
      {"scheduled_at", r.scheduled_at},
      {"deadline_at", r.deadline_at},
      {"started_at", r.started_at},
      {"finished_at", r.finished_at},
      {"files", r.files},
      {"records", r.records},
      {"detail", r.detail},
      {"requested_by", r.requested_by},
      {"owner", r.owner},
      {"acked_by", r.acked_by},
      {"acked_at", r.acked_at},
  };
  if (r.finishing) j["finishing"] = to_string(*r.finishing);
  return j.dump();
}

std::optional<JobRun> job_run_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    JobRun r;
    r.route = j.at("route").get<int>();
    r.business_date = j.at("business_date").get<std::string>();
    auto state = parse_run_state(j.at("state").get<std::string>());
    auto trigger = parse_run_trigger(j.value("trigger", std::string("schedule")));
    if (!state || !trigger || !parse_date(r.business_date)) return std::nullopt;
    r.state = *state;
    r.trigger = *trigger;
    r.scheduled_at = j.value("scheduled_at", std::int64_t{0});
    r.deadline_at = j.value("deadline_at", std::int64_t{0});
    r.started_at = j.value("started_at", std::int64_t{0});
    r.finished_at = j.value("finished_at", std::int64_t{0});
    r.files = j.value("files", std::uint64_t{0});
    r.records = j.value("records", std::uint64_t{0});
    r.detail = j.value("detail", std::string());
    r.requested_by = j.value("requested_by", std::string());
    r.owner = j.value("owner", std::string());
    r.acked_by = j.value("acked_by", std::string());
    r.acked_at = j.value("acked_at", std::int64_t{0});
    if (auto f = j.find("finishing"); f != j.end()) {
      auto s = f->is_string() ? parse_run_state(f->get<std::string>()) : std::nullopt;
      if (!s || *s == RunState::Running) return std::nullopt;
      r.finishing = *s;
    }
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string batch_outcome_key(int route, std::string_view batch_id) {
  return "batch/" + interface_label(route) + "/" + std::string(batch_id);
}

std::string to_json(const BatchOutcome& o) {
  return nlohmann::ordered_json{{"outcome", o.delivered ? "delivered" : "held"}, {"reason", o.reason}, {"at", o.at}}
      .dump();
}

std::optional<BatchOutcome> batch_outcome_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("outcome") || !j["outcome"].is_string()) return std::nullopt;
  const auto outcome = j["outcome"].get<std::string>();
  if (outcome != "delivered" && outcome != "held") return std::nullopt;
  BatchOutcome o;
  o.delivered = outcome == "delivered";
  if (j.contains("reason") && j["reason"].is_string()) o.reason = j["reason"].get<std::string>();
  if (j.contains("at") && j["at"].is_number_integer()) o.at = j["at"].get<std::int64_t>();
  return o;
}

std::string cursor_key(int route) { return "cursor/" + interface_label(route); }

std::string overdue_told_key(int route) { return "told/" + interface_label(route); }

std::string overdue_told_json(std::int64_t due) { return nlohmann::json{{"due", due}}.dump(); }

std::string cursor_json(std::chrono::sys_seconds to) {
  return nlohmann::json{{"to", to.time_since_epoch().count()}}.dump();
}

namespace {

// The route of a key's NNN part: 1-4 digits (so std::stoi cannot overflow on a hostile key).
std::optional<int> route_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoi(std::string(digits));
}

}  // namespace

void JobState::apply(std::string_view key, std::string_view value) {
  if (key.starts_with("run/")) {
    if (auto r = job_run_from_json(value); r && key == r->key()) {
      put(*r);
      return;
    }
  } else if (key.starts_with("cursor/")) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    auto route = route_number(key.substr(7));
    if (route && j.is_object() && j.contains("to") && j["to"].is_number_integer()) {
      cursors_[*route] = j["to"].get<std::int64_t>();
      return;
    }
  } else if (key.starts_with("told/")) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    auto route = route_number(key.substr(5));
    if (route && j.is_object() && j.contains("due") && j["due"].is_number_integer()) {
      overdue_told_[*route] = j["due"].get<std::int64_t>();
      return;
    }
  } else if (key.starts_with("batch/")) {
    // batch/NNN/<id>: the id's own grammar was checked by the router that wrote it.
    auto rest = key.substr(6);
    auto slash = rest.find('/');
    auto route = route_number(rest.substr(0, slash == std::string_view::npos ? 0 : slash));
    if (route && slash + 1 < rest.size() && value.empty()) {
      // A tombstone (a compacted topic's delete): nothing ever writes an empty outcome.
      erase_batch_outcome(*route, rest.substr(slash + 1));
      return;
    }
    if (route && slash + 1 < rest.size())
      if (auto o = batch_outcome_from_json(value)) {
        put_batch_outcome(*route, std::string(rest.substr(slash + 1)), std::move(*o));
        return;
      }
  }
  ++ignored_;
}

bool JobState::overdue_told(int route, std::int64_t due) const {
  auto it = overdue_told_.find(route);
  return it != overdue_told_.end() && it->second == due;
}

const JobRun* JobState::find(int route, const std::string& business_date) const {
  auto it = runs_.find({route, business_date});
  return it == runs_.end() ? nullptr : &it->second;
}

std::vector<JobRun> JobState::runs_of(int route, std::size_t limit) const {
  std::vector<JobRun> out;
  auto it = runs_.lower_bound({route + 1, std::string()});
  while (it != runs_.begin() && out.size() < limit) {
    --it;
    if (it->first.first != route) break;
    out.push_back(it->second);
  }
  return out;
}

const JobRun* JobState::latest(int route) const {
  auto it = runs_.lower_bound({route + 1, std::string()});
  if (it == runs_.begin()) return nullptr;
  --it;
  return it->first.first == route ? &it->second : nullptr;
}

std::optional<std::int64_t> JobState::last_success(int route) const {
  std::optional<std::int64_t> best;
  for (auto it = runs_.lower_bound({route, std::string()}); it != runs_.end() && it->first.first == route; ++it)
    if (it->second.state == RunState::Succeeded && (!best || it->second.finished_at > *best))
      best = it->second.finished_at;
  return best;
}

std::optional<std::chrono::sys_seconds> JobState::cursor(int route) const {
  auto it = cursors_.find(route);
  if (it == cursors_.end()) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(it->second));
}

const BatchOutcome* JobState::batch_outcome(int route, std::string_view batch_id) const {
  auto it = batches_.find(std::pair<int, std::string>{route, std::string(batch_id)});
  return it == batches_.end() ? nullptr : &it->second;
}

void JobState::erase_batch_outcome(int route, std::string_view batch_id) {
  batches_.erase(std::pair<int, std::string>{route, std::string(batch_id)});
}

std::vector<std::pair<int, std::string>> JobState::batch_outcomes_before(std::int64_t cutoff,
                                                                         std::size_t limit) const {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& [k, o] : batches_) {
    if (out.size() >= limit) break;
    if (o.at < cutoff) out.push_back(k);
  }
  return out;
}

std::vector<JobRun> JobState::running() const {
  std::vector<JobRun> out;
  for (const auto& [k, r] : runs_)
    if (r.state == RunState::Running) out.push_back(r);
  return out;
}

}  // namespace renkei
