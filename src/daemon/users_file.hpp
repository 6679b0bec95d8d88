#pragma once
// users.yaml as renkeid sees it: read again whenever the file changes (inode, size or
// modification time), so what `renkeictl user` and `renkeictl token` write takes effect
// within seconds, without a SIGHUP. An invalid file is reported and the old people stay.
#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "renkei/people/user_directory.hpp"

namespace renkei {

class UsersFile {
 public:
  void set_path(std::string path);
  std::string path() const;
  // nullopt when the file is as it was at the last call; else what it holds now.
  std::optional<Result<UserDirectory>> poll();

 private:
  struct Signature {
    ino_t ino = 0;
    off_t size = -1;
    long long mtime_ns = -1;
    long long ctime_ns = -1;
    bool operator==(const Signature&) const = default;
  };
  mutable std::mutex mu_;
  std::string path_;
  std::optional<Signature> seen_;
};

// What changed, for the audit log: names, roles and token ids; never a hash.
nlohmann::ordered_json users_change(const UserDirectory& before, const UserDirectory& after);

}  // namespace renkei
