#include "yaml_reader.hpp"

#include <fstream>
#include <sstream>

namespace renkei {

int line_of(const YAML::Node& node) {
  const auto m = node.Mark();
  return m.line < 0 ? 0 : m.line + 1;
}

std::optional<YAML::Node> load_yaml_file(const std::string& path, const std::string& shown_as,
                                         Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error(shown_as, 0, "cannot open file");
    return std::nullopt;
  }
  try {
    return YAML::Load(in);
  } catch (const YAML::Exception& e) {
    diags.error(shown_as, e.mark.line < 0 ? 0 : e.mark.line + 1, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

MapReader::MapReader(const YAML::Node& node, std::string file, std::string what,
                     Diagnostics& diags)
    : node_(node), file_(std::move(file)), what_(std::move(what)), diags_(diags) {
  is_map_ = node_.IsMap();
  if (!is_map_) {
    diags_.error(file_, line(), what_ + ": expected a mapping of keys to values");
    return;
  }
  for (const auto& kv : node_) {
    auto key = kv.first.Scalar();
    auto [it, inserted] = keys_.emplace(key, kv.second);
    if (!inserted)
      duplicates_.emplace_back(key, line_of(kv.first));
    else {
      asked_.emplace(key, false);
      key_lines_.emplace(key, line_of(kv.first));
    }
  }
}

bool MapReader::has(const std::string& key) const {
  auto it = keys_.find(key);
  return it != keys_.end() && !it->second.IsNull();
}

int MapReader::line_of_key(const std::string& key) const {
  auto it = key_lines_.find(key);
  return it == key_lines_.end() ? line() : it->second;
}

void MapReader::error(const std::string& key, const std::string& message) {
  diags_.error(file_, line_of_key(key), what_ + ": field '" + key + "': " + message);
}

void MapReader::error_here(const std::string& message) {
  diags_.error(file_, line(), what_ + ": " + message);
}

std::optional<YAML::Node> MapReader::get(const std::string& key, Need need) {
  if (!is_map_) return std::nullopt;
  auto it = keys_.find(key);
  if (it != keys_.end()) asked_[key] = true;
  if (it == keys_.end() || it->second.IsNull()) {
    if (need == Need::Required) error_here("missing required field '" + key + "'");
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> MapReader::str(const std::string& key, Need need) {
  auto n = get(key, need);
  if (!n) return std::nullopt;
  if (!n->IsScalar()) {
    error(key, "expected a single value");
    return std::nullopt;
  }
  return n->Scalar();
}

std::optional<long long> MapReader::integer(const std::string& key, Need need, long long min,
                                            long long max) {
  auto s = str(key, need);
  if (!s) return std::nullopt;
  long long v = 0;
  std::istringstream is(*s);
  if (!(is >> v) || !is.eof()) {
    error(key, "'" + *s + "' is not a whole number");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(key, std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> MapReader::boolean(const std::string& key, Need need) {
  auto s = str(key, need);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  error(key, "'" + *s + "' is not true or false");
  return std::nullopt;
}

std::optional<std::vector<std::string>> MapReader::strings(const std::string& key, Need need) {
  auto n = get(key, need);
  if (!n) return std::nullopt;
  if (!n->IsSequence()) {
    error(key, "expected a list");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : *n) {
    if (!item.IsScalar()) {
      diags_.error(file_, line_of(item), what_ + ": field '" + key + "': expected a list of values");
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<YAML::Node> MapReader::map(const std::string& key, Need need) {
  auto n = get(key, need);
  if (n && !n->IsMap()) {
    error(key, "expected a mapping");
    return std::nullopt;
  }
  return n;
}

std::optional<YAML::Node> MapReader::sequence(const std::string& key, Need need) {
  auto n = get(key, need);
  if (n && !n->IsSequence()) {
    error(key, "expected a list");
    return std::nullopt;
  }
  return n;
}

void MapReader::finish() {
  for (const auto& [key, line] : duplicates_)
    diags_.error(file_, line, what_ + ": field '" + key + "' appears twice");
  for (const auto& [key, asked] : asked_)
    if (!asked)
      diags_.error(file_, key_lines_.at(key), what_ + ": unknown field '" + key + "'");
}

}  // namespace renkei
