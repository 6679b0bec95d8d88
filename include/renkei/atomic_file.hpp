#pragma once
// Writes a file so that a crash leaves either the old content or the new, never a part:
// temp name in the same directory, fsync, rename, fsync the directory.
#include <expected>
#include <string>
#include <string_view>

namespace renkei {

// `mode` is the new file's permission bits (0600 for files that hold secrets' hashes).
std::expected<void, std::string> write_file_atomically(const std::string& path, std::string_view data,
                                                       unsigned mode = 0640);

}  // namespace renkei
