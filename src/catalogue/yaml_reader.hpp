#pragma once
// Reads one YAML mapping into typed values, reporting every problem as file:line with
// the field's name, and every key it was not asked for (a typo must not pass silently).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "renkei/diagnostic.hpp"

namespace renkei {

// Config and codemap files come from an operator's directory and may be anything: a
// directory, a FIFO, a dangling symlink or a symlink loop. These read them without
// throwing, blocking or following surprises; every problem is one diagnostic naming
// `shown_as` (line 0: the file as a whole).

// The bytes of a regular file (opened O_NONBLOCK, so a FIFO cannot hang the reader).
std::optional<std::string> read_config_file(const std::string& path, const std::string& shown_as,
                                            Diagnostics& diags);

// Whether `path` is there at all (a dangling or looping symlink counts as there, so that
// reading it reports the problem instead of the file being silently absent).
bool config_path_present(const std::filesystem::path& path);

// The regular files in `dir` ending in `ext`, sorted. An absent directory is empty; one
// that cannot be listed, an entry that cannot be examined or is not a regular file, are
// each reported under `shown_dir`.
std::vector<std::filesystem::path> list_config_dir(const std::filesystem::path& dir, const std::string& shown_dir,
                                                   std::string_view ext, Diagnostics& diags);

// Parses a whole file; a syntax error is reported with its line and yields nullopt.
std::optional<YAML::Node> load_yaml_file(const std::string& path, const std::string& shown_as,
                                         Diagnostics& diags);

int line_of(const YAML::Node& node);  // 1-based, 0 if unknown

enum class Need { Optional, Required };

class MapReader {
 public:
  // `what` names the object in messages, e.g. "route 18" or "system 'eltax'".
  MapReader(const YAML::Node& node, std::string file, std::string what, Diagnostics& diags);

  bool is_map() const { return is_map_; }
  int line() const { return line_of(node_); }
  const std::string& file() const { return file_; }

  bool has(const std::string& key) const;
  int line_of_key(const std::string& key) const;
  std::optional<std::string> str(const std::string& key, Need need = Need::Optional);
  std::optional<long long> integer(const std::string& key, Need need, long long min, long long max);
  std::optional<bool> boolean(const std::string& key, Need need = Need::Optional);
  std::optional<std::vector<std::string>> strings(const std::string& key, Need need = Need::Optional);
  std::optional<YAML::Node> map(const std::string& key, Need need = Need::Optional);
  std::optional<YAML::Node> sequence(const std::string& key, Need need = Need::Optional);

  template <class E>
  std::optional<E> enumeration(const std::string& key, Need need,
                               const std::function<std::optional<E>(std::string_view)>& parse,
                               std::span<const std::string_view> names) {
    auto s = str(key, need);
    if (!s) return std::nullopt;
    if (auto v = parse(*s)) return v;
    std::string list;
    for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    error(key, "unknown value '" + *s + "' (expected one of " + list + ")");
    return std::nullopt;
  }

  void error(const std::string& key, const std::string& message);
  void error_here(const std::string& message);
  // Once the object's id is known, later messages name it ("route 18" rather than "route").
  void rename(std::string what) { what_ = std::move(what); }

  // Reports keys present in the map but never asked for, and keys given twice.
  void finish();

 private:
  std::optional<YAML::Node> get(const std::string& key, Need need);

  YAML::Node node_;
  std::string file_;
  std::string what_;
  Diagnostics& diags_;
  bool is_map_ = false;
  std::map<std::string, YAML::Node> keys_;
  std::map<std::string, bool> asked_;
  std::map<std::string, int> key_lines_;
  std::vector<std::pair<std::string, int>> duplicates_;
};

}  // namespace renkei
