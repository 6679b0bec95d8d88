// LineReader, FileWriter, write_file_atomically and rename_durably on real files.
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "renkei/atomic_file.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace fs = std::filesystem;

namespace renkei {
namespace {

using testing::TempDir;

void write_raw(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good());
}

std::string read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> dir_entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct ReadResult {
  std::vector<std::string> lines;
  bool ended_with_newline = false;
  std::string bytes_seen;  // concatenation of every on_bytes chunk
  std::size_t chunks = 0;
};

ReadResult read_all(const std::string& path) {
  ReadResult r;
  LineReader reader;
  auto opened = reader.open(path);
  EXPECT_TRUE(opened.has_value()) << (opened ? "" : opened.error().message);
  if (!opened) return r;
  reader.on_bytes([&](std::string_view chunk) {
    EXPECT_FALSE(chunk.empty());
    r.bytes_seen.append(chunk);
    ++r.chunks;
  });
  std::string_view line;
  for (;;) {
    auto more = reader.next(line);
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    r.lines.emplace_back(line);
  }
  // At the end it stays at the end.
  auto again = reader.next(line);
  EXPECT_TRUE(again.has_value() && !*again);
  r.ended_with_newline = reader.ended_with_newline();
  return r;
}

// ---- LineReader ----------------------------------------------------------------------

TEST(LineReader, SplitsOnNewlineOnlyAndKeepsCarriageReturns) {
  TempDir dir;
  const std::string text = "a,b\r\nc\rd\r\n\r\nlast\r\n";
  write_raw(dir / "f", text);
  auto r = read_all(dir / "f");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"a,b\r", "c\rd\r", "\r", "last\r"}));
  EXPECT_TRUE(r.ended_with_newline);
  EXPECT_EQ(r.bytes_seen, text);
}

TEST(LineReader, LastLineWithoutNewline) {
  TempDir dir;
  write_raw(dir / "f", "one\ntwo\nthree");
  auto r = read_all(dir / "f");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_FALSE(r.ended_with_newline);
}

TEST(LineReader, EmptyLinesAreLines) {
  TempDir dir;
  write_raw(dir / "f", "\n\na\n\nb\n\n");
  auto r = read_all(dir / "f");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"", "", "a", "", "b", ""}));
  EXPECT_TRUE(r.ended_with_newline);
}

TEST(LineReader, OnlyANewline) {
  TempDir dir;
  write_raw(dir / "f", "\n");
  auto r = read_all(dir / "f");
  EXPECT_EQ(r.lines, (std::vector<std::string>{""}));
  EXPECT_TRUE(r.ended_with_newline);
}

TEST(LineReader, EmptyFile) {
  TempDir dir;
  write_raw(dir / "f", "");
  auto r = read_all(dir / "f");
  EXPECT_TRUE(r.lines.empty());
  EXPECT_FALSE(r.ended_with_newline);
  EXPECT_EQ(r.chunks, 0u);
  EXPECT_EQ(r.bytes_seen, "");
}

TEST(LineReader, BinaryBytesAndNulsPassThrough) {
  TempDir dir;
  const std::string text("\x00\xff\x81\x20\n\x8f\x5a\x96\xaf\x00", 10);
  write_raw(dir / "f", text);
  auto r = read_all(dir / "f");
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0], std::string("\x00\xff\x81\x20", 4));
  EXPECT_EQ(r.lines[1], std::string("\x8f\x5a\x96\xaf\x00", 5));
  EXPECT_FALSE(r.ended_with_newline);
}

TEST(LineReader, LineLongerThanTheBufferGrowsIt) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string huge(3 * (1 << 20) + 12345, '\0');
  for (auto& c : huge) {
    c = static_cast<char>('a' + rng() % 26);
  }
  const std::string text = "short\n" + huge + "\nafter\n" + huge.substr(0, (1 << 20) + 1);  // last: > 1 MiB, no '\n'
  write_raw(dir / "f", text);
  auto r = read_all(dir / "f");
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_EQ(r.lines[0], "short");
  EXPECT_TRUE(r.lines[1] == huge) << "long line differs (size " << r.lines[1].size() << ")";
  EXPECT_EQ(r.lines[2], "after");
  EXPECT_TRUE(r.lines[3] == huge.substr(0, (1 << 20) + 1));
  EXPECT_FALSE(r.ended_with_newline);
  EXPECT_EQ(r.bytes_seen.size(), text.size());
  EXPECT_TRUE(r.bytes_seen == text);
  EXPECT_GT(r.chunks, 1u);
}

TEST(LineReader, LinesAcrossChunkBoundaries) {
  // Many lines of varying length: several lines straddle the 1 MiB read boundary.
  TempDir dir;
  std::mt19937 rng(99);
  std::vector<std::string> lines;
  std::string text;
  while (text.size() < 3 * (1 << 20)) {
    std::string line(rng() % 3000, 'x');
    for (auto& c : line) c = static_cast<char>('0' + rng() % 10);
    if (rng() % 7 == 0) line += '\r';
    lines.push_back(line);
    text += line;
    text += '\n';
  }
  write_raw(dir / "f", text);
  auto r = read_all(dir / "f");
  EXPECT_EQ(r.lines.size(), lines.size());
  EXPECT_TRUE(r.lines == lines);
  EXPECT_TRUE(r.ended_with_newline);
  EXPECT_TRUE(r.bytes_seen == text);
}

TEST(LineReader, ChecksumOfChunksEqualsChecksumOfFile) {
  TempDir dir;
  std::mt19937 rng(3);
  std::string text(2 * (1 << 20) + 777, '\0');
  for (auto& c : text) c = static_cast<char>(rng() & 0xff);  // random binary with random '\n's
  write_raw(dir / "f", text);
  LineReader reader;
  ASSERT_TRUE(reader.open(dir / "f").has_value());
  Sha256 sum;
  reader.on_bytes([&](std::string_view b) { sum.update(b); });
  std::string_view line;
  std::size_t line_bytes = 0, lines = 0;
  while (*reader.next(line)) {
    line_bytes += line.size();
    ++lines;
  }
  EXPECT_EQ(sum.hex(), sha256_hex(text));
  auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_EQ(line_bytes + newlines, text.size());
  EXPECT_EQ(lines, newlines + (text.back() == '\n' ? 0 : 1));
  EXPECT_EQ(reader.ended_with_newline(), text.back() == '\n');
}

TEST(LineReader, OpenMissingFileFails) {
  TempDir dir;
  LineReader reader;
  auto r = reader.open(dir / "missing");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().err, ENOENT);
  EXPECT_NE(r.error().message.find("missing"), std::string::npos) << r.error().message;
}

// ---- FileWriter -------------------------------------------------------------------------

TEST(FileWriter, WritesSmallAndLargePiecesInOrder) {
  TempDir dir;
  std::string expected;
  FileWriter w;
  ASSERT_TRUE(w.open_truncate(dir / "out").has_value());
  EXPECT_TRUE(w.is_open());
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string piece(rng() % 700, static_cast<char>('A' + i % 26));
    ASSERT_TRUE(w.write(piece).has_value());
    expected += piece;
  }
  std::string big(3 * (1 << 20) + 5, 'z');  // larger than the writer's buffer
  ASSERT_TRUE(w.write(big).has_value());
  expected += big;
  ASSERT_TRUE(w.write("tail").has_value());
  expected += "tail";
  std::string exact(1 << 20, 'q');  // exactly one buffer
  ASSERT_TRUE(w.write(exact).has_value());
  expected += exact;
  ASSERT_TRUE(w.sync_and_close().has_value());
  EXPECT_FALSE(w.is_open());
  auto got = read_raw(dir / "out");
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

TEST(FileWriter, FlushMakesBytesVisibleBeforeClose) {
  TempDir dir;
  FileWriter w;
  ASSERT_TRUE(w.open_truncate(dir / "out").has_value());
  ASSERT_TRUE(w.write("hello ").has_value());
  ASSERT_TRUE(w.flush().has_value());
  EXPECT_EQ(read_raw(dir / "out"), "hello ");
  ASSERT_TRUE(w.write("world").has_value());
  ASSERT_TRUE(w.sync_and_close().has_value());
  EXPECT_EQ(read_raw(dir / "out"), "hello world");
}

TEST(FileWriter, OpenTruncateReplacesOldContent) {
  TempDir dir;
  write_raw(dir / "out", "old content that is longer");
  FileWriter w;
  ASSERT_TRUE(w.open_truncate(dir / "out").has_value());
  ASSERT_TRUE(w.write("new").has_value());
  ASSERT_TRUE(w.sync_and_close().has_value());
  EXPECT_EQ(read_raw(dir / "out"), "new");
}

TEST(FileWriter, EmptyFile) {
  TempDir dir;
  FileWriter w;
  ASSERT_TRUE(w.open_truncate(dir / "out").has_value());
  ASSERT_TRUE(w.sync_and_close().has_value());
  EXPECT_TRUE(fs::exists(dir / "out"));
  EXPECT_EQ(fs::file_size(dir / "out"), 0u);
}

TEST(FileWriter, OpenInMissingDirectoryFails) {
  TempDir dir;
  FileWriter w;
  auto r = w.open_truncate(dir / "no/such/dir/out");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().err, ENOENT);
  EXPECT_NE(r.error().message.find("no/such/dir/out"), std::string::npos) << r.error().message;
  EXPECT_FALSE(w.is_open());
}

TEST(FileWriter, CloseQuietlyClosesWithoutError) {
  TempDir dir;
  FileWriter w;
  ASSERT_TRUE(w.open_truncate(dir / "out").has_value());
  w.close_quietly();
  EXPECT_FALSE(w.is_open());
  w.close_quietly();  // twice is fine
  EXPECT_FALSE(w.is_open());
}

// ---- write_file_atomically ---------------------------------------------------------

TEST(WriteFileAtomically, WritesContentAndLeavesNoTemp) {
  TempDir dir;
  const std::string data("line 1\nline 2\n\x00\xff", 16);
  auto r = write_file_atomically(dir / "state.txt", data);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(read_raw(dir / "state.txt"), data);
  EXPECT_EQ(dir_entries(dir.path()), (std::vector<std::string>{"state.txt"}));
}

TEST(WriteFileAtomically, OverwritesExistingFile) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "f", "first version, long").has_value());
  ASSERT_TRUE(write_file_atomically(dir / "f", "second").has_value());
  EXPECT_EQ(read_raw(dir / "f"), "second");
  ASSERT_TRUE(write_file_atomically(dir / "f", "").has_value());
  EXPECT_EQ(read_raw(dir / "f"), "");
  EXPECT_EQ(dir_entries(dir.path()), (std::vector<std::string>{"f"}));
}

TEST(WriteFileAtomically, ReplacesByRenameNotInPlace) {
  // A reader holding the old file open still sees the old content: the new one is a new
  // inode renamed over it (never a half-written old file).
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "f", "old").has_value());
  struct stat before {};
  ASSERT_EQ(::stat((dir / "f").c_str(), &before), 0);
  std::ifstream held(dir / "f", std::ios::binary);
  ASSERT_TRUE(write_file_atomically(dir / "f", "new!").has_value());
  struct stat after {};
  ASSERT_EQ(::stat((dir / "f").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  std::string old_seen;
  std::getline(held, old_seen);
  EXPECT_EQ(old_seen, "old");
  EXPECT_EQ(read_raw(dir / "f"), "new!");
}

TEST(WriteFileAtomically, MissingDirectoryFailsWithoutLeftovers) {
  TempDir dir;
  auto r = write_file_atomically(dir / "nope/f", "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("nope"), std::string::npos) << r.error();
  EXPECT_TRUE(dir_entries(dir.path()).empty());
}

// ---- rename_durably, make_dirs, fsync_dir ---------------------------------------------

TEST(RenameDurably, MovesWithinADirectory) {
  TempDir dir;
  write_raw(dir / ".tmp", "content");
  ASSERT_TRUE(rename_durably(dir / ".tmp", dir / "final").has_value());
  EXPECT_FALSE(fs::exists(dir / ".tmp"));
  EXPECT_EQ(read_raw(dir / "final"), "content");
}

TEST(RenameDurably, MovesAcrossDirectoriesAndReplacesTarget) {
  TempDir dir;
  ASSERT_TRUE(make_dirs(dir / "a/b").has_value());
  ASSERT_TRUE(make_dirs(dir / "c").has_value());
  write_raw(dir / "a/b/src", "new");
  write_raw(dir / "c/dst", "old");
  ASSERT_TRUE(rename_durably(dir / "a/b/src", dir / "c/dst").has_value());
  EXPECT_FALSE(fs::exists(dir / "a/b/src"));
  EXPECT_EQ(read_raw(dir / "c/dst"), "new");
}

TEST(RenameDurably, MissingSourceFails) {
  TempDir dir;
  auto r = rename_durably(dir / "missing", dir / "final");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().err, ENOENT);
  EXPECT_NE(r.error().message.find("missing"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(dir / "final"));
}

TEST(MakeDirs, CreatesNestedAndIsIdempotent) {
  TempDir dir;
  ASSERT_TRUE(make_dirs(dir / "x/y/z").has_value());
  EXPECT_TRUE(fs::is_directory(dir / "x/y/z"));
  EXPECT_TRUE(make_dirs(dir / "x/y/z").has_value());
  write_raw(dir / "file", "");
  EXPECT_FALSE(make_dirs(dir / "file/sub").has_value());
}

TEST(FsyncDir, WorksOnDirectoriesOnly) {
  TempDir dir;
  EXPECT_TRUE(fsync_dir(dir.path().string()).has_value());
  auto r = fsync_dir(dir / "missing");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().err, ENOENT);
  write_raw(dir / "file", "");
  EXPECT_FALSE(fsync_dir(dir / "file").has_value());
}

}  // namespace
}  // namespace renkei
