#pragma once
// Thin, error-as-value wrappers over the POSIX calls durable file handling needs.
#include <expected>
#include <functional>
#include <string>
#include <string_view>

namespace renkei {

struct IoError {
  int err = 0;          // errno
  std::string message;  // "what path: strerror"
};

// Makes a rename or create inside `dir` durable.
std::expected<void, IoError> fsync_dir(const std::string& dir);
std::expected<void, IoError> make_dirs(const std::string& dir);
std::expected<void, IoError> rename_durably(const std::string& from, const std::string& to);

// Sequential writer with its own buffer; fsync on demand.
class FileWriter {
 public:
  FileWriter() = default;
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  std::expected<void, IoError> open_truncate(const std::string& path);
  std::expected<void, IoError> write(std::string_view bytes);
  std::expected<void, IoError> flush();
  std::expected<void, IoError> sync_and_close();
  void close_quietly();
  bool is_open() const { return fd_ >= 0; }

 private:
  std::expected<void, IoError> write_out(std::string_view data);

  int fd_ = -1;
  std::string path_;
  std::string buf_;
};

// Reads a file in large chunks and hands out its lines (without the '\n').
class LineReader {
 public:
  LineReader() = default;
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  std::expected<void, IoError> open(const std::string& path);
  // Takes over an fd the caller opened and checked (a spool file opened with openat and
  // O_NOFOLLOW); `label` names it in errors. The reader closes it.
  void adopt(int fd, std::string label);
  // Called with every byte read, in order (for checksums).
  void on_bytes(std::function<void(std::string_view)> fn) { on_bytes_ = std::move(fn); }
  // false at end of file; `line` stays valid until the next call.
  std::expected<bool, IoError> next(std::string_view& line);
  // After the end: whether the file's last byte was '\n'.
  bool ended_with_newline() const { return last_byte_ == '\n'; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string buf_;
  std::size_t begin_ = 0;  // first unread byte in buf_
  std::size_t end_ = 0;    // bytes valid in buf_
  bool eof_ = false;
  char last_byte_ = 0;
  std::function<void(std::string_view)> on_bytes_;
};

}  // namespace renkei
