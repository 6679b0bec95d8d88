#include "yaml_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace renkei {

int line_of(const YAML::Node& node) {
  const auto m = node.Mark();
  return m.line < 0 ? 0 : m.line + 1;
}

namespace {

// Beyond any real config or codemap file (the whole MJ table is a few MB): a bigger one
// is a mistake, not something to read into memory.
constexpr off_t kMaxConfigFile = 256 << 20;

std::string join_shown(const std::string& dir, const std::filesystem::path& name) {
  return dir.empty() ? name.string() : (std::filesystem::path(dir) / name).string();
}

}  // namespace

std::optional<std::string> read_config_file(const std::string& path, const std::string& shown_as,
                                            Diagnostics& diags) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    // A missing file keeps its short message; anything else says what the system said.
    diags.error(shown_as, 0, errno == ENOENT ? std::string("cannot open file")
                                             : std::string("cannot open file: ") + std::strerror(errno));
    return std::nullopt;
  }
  struct stat st {};
  std::optional<std::string> out;
  if (::fstat(fd, &st) != 0) {
    diags.error(shown_as, 0, std::string("cannot examine file: ") + std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    diags.error(shown_as, 0, S_ISDIR(st.st_mode) ? "is a directory, not a file" : "is not a regular file");
  } else if (st.st_size > kMaxConfigFile) {
    diags.error(shown_as, 0, "file is larger than " + std::to_string(kMaxConfigFile >> 20) + " MiB");
  } else {
    std::string text;
    text.reserve(static_cast<std::size_t>(st.st_size));
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        diags.error(shown_as, 0, std::string("cannot read file: ") + std::strerror(errno));
        break;
      }
      if (n == 0) {
        out = std::move(text);
        break;
      }
      if (text.size() + static_cast<std::size_t>(n) > static_cast<std::size_t>(kMaxConfigFile)) {
        diags.error(shown_as, 0, "file is larger than " + std::to_string(kMaxConfigFile >> 20) + " MiB");
        break;
      }
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

bool config_path_present(const std::filesystem::path& path) {
  std::error_code ec;
  const auto st = std::filesystem::symlink_status(path, ec);
  // An error other than "not there" (ELOOP in a parent, EACCES) is for the reader to report.
  if (ec) return ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory;
  return st.type() != std::filesystem::file_type::not_found;
}

std::vector<std::filesystem::path> list_config_dir(const std::filesystem::path& dir, const std::string& shown_dir,
                                                   std::string_view ext, Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  if (!config_path_present(dir)) return out;
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (ec || st.type() == fs::file_type::not_found) {
    diags.error(shown_dir, 0, "cannot read the directory: " + (ec ? ec.message() : "dangling symbolic link"));
    return out;
  }
  if (st.type() != fs::file_type::directory) {
    diags.error(shown_dir, 0, "is not a directory");
    return out;
  }
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != ext) continue;
    std::error_code ec2;
    const auto est = it->status(ec2);
    if (ec2 || est.type() == fs::file_type::not_found)
      diags.error(join_shown(shown_dir, p.filename()), 0,
                  "cannot open file: " + (ec2 ? ec2.message() : std::string("dangling symbolic link")));
    else if (est.type() != fs::file_type::regular)
      diags.error(join_shown(shown_dir, p.filename()), 0,
                  est.type() == fs::file_type::directory ? "is a directory, not a file" : "is not a regular file");
    else
      out.push_back(p);
  }
  if (ec) diags.error(shown_dir, 0, "cannot read the directory: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<YAML::Node> load_yaml_file(const std::string& path, const std::string& shown_as,
                                         Diagnostics& diags) {
  auto text = read_config_file(path, shown_as, diags);
  if (!text) return std::nullopt;
  try {
    return YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    diags.error(shown_as, e.mark.line < 0 ? 0 : e.mark.line + 1, "YAML syntax error: " + e.msg);
    return std::nullopt;
  } catch (const std::exception& e) {
    diags.error(shown_as, 0, std::string("cannot parse file: ") + e.what());
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
