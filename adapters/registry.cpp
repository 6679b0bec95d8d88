// The one place adapter kinds are registered: a new kind is its folder plus one line here.
#include <algorithm>
#include <charconv>

#include "file/file_adapter.hpp"
#include "file/file_spec.hpp"
#include "http/http_adapter.hpp"
#include "http/http_spec.hpp"
#include "kafka/kafka_adapter.hpp"
#include "kafka/kafka_spec.hpp"
#include "renkei/adapter.hpp"
#include "renkei/adapter_spec.hpp"

namespace renkei {

const std::vector<AdapterKindSpec>& adapter_kinds() {
  static const std::vector<AdapterKindSpec> kinds = {
      adapters::file_adapter_spec(),
      adapters::http_adapter_spec(),
      adapters::kafka_adapter_spec(),
  };
  return kinds;
}

// An `http` system has a source only when it is polled (pull_url); otherwise it pushes
// to /ingest (src/daemon/ingest_service). `kafka` peers publish record by record
// (make_event_source).
std::unique_ptr<Source> make_source(const SystemDef& system, const Catalogue& catalogue) {
  if (system.adapter.kind == "file") return adapters::make_file_source(system, catalogue);
  if (system.adapter.kind == "http") return adapters::make_http_pull_source(system, catalogue);
  return nullptr;
}

std::unique_ptr<Sink> make_sink(const SystemDef& system, const Catalogue& catalogue) {
  if (system.adapter.kind == "file") return adapters::make_file_sink(system, catalogue);
  if (system.adapter.kind == "http") return adapters::make_http_sink(system, catalogue);
  if (system.adapter.kind == "kafka") return adapters::make_kafka_sink(system, catalogue);
  return nullptr;
}

std::unique_ptr<EventSource> make_event_source(const SystemDef& system, const Catalogue& catalogue) {
  if (system.adapter.kind == "kafka") return adapters::make_kafka_event_source(system, catalogue);
  return nullptr;
}

const AdapterKindSpec* find_adapter_kind(std::string_view kind) {
  for (const auto& k : adapter_kinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

const OptionSpec* AdapterKindSpec::option(std::string_view name) const {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

std::string_view to_string(OptionType t) {
  switch (t) {
    case OptionType::String: return "string";
    case OptionType::Path: return "path";
    case OptionType::Int: return "int";
    case OptionType::Bool: return "bool";
    case OptionType::Enum: return "enum";
  }
  return "?";
}

std::optional<std::string> check_option_value(const OptionSpec& spec, const std::string& value) {
  switch (spec.type) {
    case OptionType::String:
      return std::nullopt;
    case OptionType::Path:
      if (value.empty()) return "must be a non-empty path";
      return std::nullopt;
    case OptionType::Int: {
      long long v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc{} || p != value.data() + value.size()) return "must be an integer";
      if (spec.range && (v < spec.range->first || v > spec.range->second))
        return "must be between " + std::to_string(spec.range->first) + " and " + std::to_string(spec.range->second);
      return std::nullopt;
    }
    case OptionType::Bool:
      if (value == "true" || value == "false") return std::nullopt;
      return "must be true or false";
    case OptionType::Enum:
      if (std::find(spec.values.begin(), spec.values.end(), value) != spec.values.end())
        return std::nullopt;
      std::string msg = "must be one of";
      for (const auto& v : spec.values) msg += " " + v;
      return msg;
  }
  return std::nullopt;
}

}  // namespace renkei
