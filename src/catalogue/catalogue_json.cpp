#include "renkei/catalogue/catalogue_json.hpp"

namespace renkei {

namespace {
nlohmann::ordered_json optional_string(const std::optional<std::string>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}
}  // namespace

nlohmann::ordered_json route_json(const RouteDef& r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["name"] = r.name;
  j["from"] = r.from;
  j["to"] = r.to;
  j["method"] = to_string(r.method);
  j["timing"] = to_string(r.timing);
  j["external"] = r.external;
  j["conversion"] = r.conversion;
  j["via"] = optional_string(r.via);
  // Resolved (RouteDef::hop_end), so a reader need not know the default.
  if (auto end = r.hop_end()) j["via_end"] = *end == RouteEnd::From ? "from" : "to";
  else j["via_end"] = nullptr;
  j["carriers"] = {{"source", Catalogue::source_carrier(r)}, {"target", Catalogue::target_carrier(r)}};
  j["medium"] = optional_string(r.medium);
  j["note"] = r.note;
  j["topic"] = r.topic;
  j["dlq_topic"] = r.dlq_topic();
  if (r.schedule) {
    const auto& s = *r.schedule;
    j["schedule"] = {{"cron", s.cron},
                     {"on_non_business_day", to_string(s.on_non_business_day)},
                     {"deadline", s.deadline ? nlohmann::ordered_json(to_string(*s.deadline)) : nlohmann::ordered_json(nullptr)},
                     {"catch_up", s.catch_up == CatchUp::All ? "all" : "latest"}};
    if (s.collect) j["schedule"]["collect"] = *s.collect == CollectMode::AtRun ? "at-run" : "on-arrival";
    if (s.file_date) j["schedule"]["file_date"] = *s.file_date;
  } else
    j["schedule"] = nullptr;
  j["listed"] = {{"left", r.listed.left}, {"arrow", to_string(r.listed.arrow)}, {"right", r.listed.right}};
  return j;
}

nlohmann::ordered_json system_json(const Catalogue& c, const SystemDef& s) {
  nlohmann::ordered_json j;
  j["id"] = s.id;
  j["name"] = s.name;
  j["aliases"] = s.aliases;
  j["charset"] = s.charset;
  j["adapter"] = {{"kind", s.adapter.kind}, {"settings", s.adapter.settings}};
  auto ids = [](const std::vector<const RouteDef*>& rs) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto* r : rs) arr.push_back(r->id);
    return arr;
  };
  j["routes"] = {{"out", ids(c.routes_from(s.id))}, {"in", ids(c.routes_to(s.id))}};
  // Other systems' routes this adapter carries as their `via` hop: out = collected
  // from it, in = delivered through it.
  j["relays"] = {{"out", ids(c.routes_relayed_by(s.id, RouteEnd::From))},
                 {"in", ids(c.routes_relayed_by(s.id, RouteEnd::To))}};
  return j;
}

}  // namespace renkei
