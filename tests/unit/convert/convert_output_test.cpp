// `renkeictl convert` writes its output through O_DIRECT in whole 4 KiB blocks from a
// 1 MiB buffer, and the last partial block without it (or everything through the page
// cache where O_DIRECT is refused): whatever the sizes, the file holds exactly the
// converted bytes, in order, under its final name only, and nothing else is left.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/convert_command.hpp"
#include "support/temp_dir.hpp"

namespace renkei::testing {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Lines of CP932 (山 = 8E 52, ｱ = B1) that convert to `n` UTF-8 bytes (山 = E5 B1 B1, ｱ =
// EF BD B1), lines of varying length so that the output's blocks and the chunks' lines
// never line up.
struct Text {
  std::string cp932, utf8;
};
Text text_of_utf8_size(std::size_t n) {
  Text t;
  for (std::size_t line = 0;; ++line) {
    Text l;
    for (std::size_t k = 0; k < 7 + line % 13; ++k) {
      if (k % 3 == 1) {
        l.cp932 += "\x8E\x52";
        l.utf8 += "\xE5\xB1\xB1";
      } else if (k % 5 == 4) {
        l.cp932 += "\xB1";
        l.utf8 += "\xEF\xBD\xB1";
      } else {
        l.cp932 += static_cast<char>('0' + (line + k) % 10);
        l.utf8 += l.cp932.back();
      }
    }
    l.cp932 += '\n';
    l.utf8 += '\n';
    if (t.utf8.size() + l.utf8.size() > n) break;
    t.cp932 += l.cp932;
    t.utf8 += l.utf8;
  }
  const std::string rest(n - t.utf8.size(), 'x');  // a last line without '\n'
  t.cp932 += rest;
  t.utf8 += rest;
  return t;
}

void expect_converted(const std::filesystem::path& dir, std::size_t size) {
  SCOPED_TRACE(dir.string() + ", " + std::to_string(size) + " bytes out");
  const Text t = text_of_utf8_size(size);
  ASSERT_EQ(t.utf8.size(), size);
  const std::string in = (dir / "in.txt").string(), out = (dir / "out.txt").string();
  std::ofstream(in, std::ios::binary) << t.cp932;
  cli::ConvertOptions o;
  o.config = RENKEI_SOURCE_DIR "/config";
  o.profile = "none";
  o.from = "ibm-943_P15A-2003";
  o.to = "UTF-8";
  o.in = in;
  o.out = out;
  std::ostringstream msg, err;
  ASSERT_EQ(cli::cmd_convert(o, msg, err), 0) << err.str();
  const std::string got = read_all(out);
  ASSERT_EQ(got.size(), t.utf8.size());
  EXPECT_TRUE(got == t.utf8) << "the output differs from the converted bytes";
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"in.txt", "out.txt"}));
  // The next run replaces it.
  std::filesystem::remove(in);
}

TEST(ConvertOutput, ExactBytesAtEveryBlockAndBufferEdge) {
  TempDir disk("renkei-convert-output");
  std::vector<std::filesystem::path> dirs = {disk.path()};
  // tmpfs: O_DIRECT refused (older kernels) or accepted without effect.
  std::string shm = "/dev/shm/renkei-convert-output-XXXXXX";
  const bool have_shm = std::filesystem::is_directory("/dev/shm") && ::mkdtemp(shm.data());
  if (have_shm) dirs.push_back(shm);
  for (const auto& dir : dirs)
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097},
                             std::size_t{(1 << 20) - 1}, std::size_t{1 << 20}, std::size_t{(1 << 20) + 1},
                             std::size_t{(3 << 20) + 4096 * 5 + 17}})
      expect_converted(dir, size);
  if (have_shm) std::filesystem::remove_all(shm);
}

}  // namespace
}  // namespace renkei::testing
