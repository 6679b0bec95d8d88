#pragma once
// A fresh directory under the system temp dir, removed with everything in it at the end.
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace renkei::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "renkei-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace renkei::testing
