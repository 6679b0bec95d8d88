#pragma once
// Writes a file so that a crash leaves either the old content or the new, never a part:
// temp name in the same directory, fsync, rename, fsync the directory.
#include <sys/types.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace renkei {

// `mode` is the new file's permission bits (0600 for files that hold secrets' hashes).
std::expected<void, std::string> write_file_atomically(const std::string& path, std::string_view data,
                                                       unsigned mode = 0640);

struct FileOwner {
  uid_t uid;
  gid_t gid;
};
// The same, but the new file has exactly `mode` (whatever the umask) and, when given,
// `owner`, before it replaces the old one: there is no moment where it has others.
std::expected<void, std::string> replace_file_as(const std::string& path, std::string_view data, unsigned mode,
                                                 std::optional<FileOwner> owner);

}  // namespace renkei
