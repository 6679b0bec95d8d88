#include "renkei/posix_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace renkei {
namespace {

constexpr std::size_t kChunk = 1 << 20;

IoError io_error(const std::string& what, const std::string& path) {
  return IoError{errno, what + " " + path + ": " + std::strerror(errno)};
}

}  // namespace

std::expected<void, IoError> fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("open directory", dir));
  int rc = ::fsync(fd);
  auto err = io_error("fsync directory", dir);
  ::close(fd);
  if (rc != 0) return std::unexpected(err);
  return {};
}

std::expected<void, IoError> make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(IoError{ec.value(), "create directory " + dir + ": " + ec.message()});
  return {};
}

std::expected<void, IoError> rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return std::unexpected(io_error("rename " + from + " to", to));
  // A bare file name lives in the working directory.
  auto dir_of = [](const std::string& path) {
    auto dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? std::string(".") : dir;
  };
  auto to_dir = dir_of(to);
  if (auto r = fsync_dir(to_dir); !r) return r;
  auto from_dir = dir_of(from);
  if (from_dir != to_dir) return fsync_dir(from_dir);
  return {};
}

FileWriter::~FileWriter() { close_quietly(); }

std::expected<void, IoError> FileWriter::open_truncate(const std::string& path) {
  close_quietly();
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd_ < 0) return std::unexpected(io_error("create", path));
  buf_.clear();
  buf_.reserve(kChunk);
  return {};
}

std::expected<void, IoError> FileWriter::write(std::string_view bytes) {
  if (buf_.size() + bytes.size() > kChunk) {
    if (auto r = flush(); !r) return r;
    if (bytes.size() >= kChunk) return write_out(bytes);  // large pieces skip the buffer
  }
  buf_.append(bytes);
  return {};
}

std::expected<void, IoError> FileWriter::flush() {
  auto r = write_out(buf_);
  buf_.clear();
  return r;
}

std::expected<void, IoError> FileWriter::write_out(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("write", path_));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  // Start writing back what is there without waiting for it, so the fsync at the end
  // finds little left to do (durability still comes from that fsync alone).
  ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
  return {};
}

std::expected<void, IoError> FileWriter::sync_and_close() {
  if (auto r = flush(); !r) return r;
  if (::fsync(fd_) != 0) return std::unexpected(io_error("fsync", path_));
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return std::unexpected(io_error("close", path_));
  return {};
}

void FileWriter::close_quietly() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

LineReader::~LineReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<void, IoError> LineReader::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return std::unexpected(io_error("open", path));
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  buf_.resize(kChunk);
  return {};
}

void LineReader::adopt(int fd, std::string label) {
  if (fd_ >= 0) ::close(fd_);
  path_ = std::move(label);
  fd_ = fd;
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  buf_.resize(kChunk);
}

std::expected<bool, IoError> LineReader::next(std::string_view& line) {
  for (;;) {
    const char* base = buf_.data();
    if (const void* nl = std::memchr(base + begin_, '\n', end_ - begin_)) {
      auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
      line = std::string_view(base + begin_, at - begin_);
      begin_ = at + 1;
      return true;
    }
    if (eof_) {
      if (begin_ == end_) return false;
      line = std::string_view(base + begin_, end_ - begin_);  // last line, no '\n'
      begin_ = end_;
      return true;
    }
    // Keep the partial line, grow if one line is larger than the buffer, read more.
    std::size_t rest = end_ - begin_;
    std::memmove(buf_.data(), base + begin_, rest);
    begin_ = 0;
    end_ = rest;
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    ssize_t n;
    do n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    while (n < 0 && errno == EINTR);
    if (n < 0) return std::unexpected(io_error("read", path_));
    if (n == 0) {
      eof_ = true;
      continue;
    }
    std::string_view chunk(buf_.data() + end_, static_cast<std::size_t>(n));
    if (on_bytes_) on_bytes_(chunk);
    last_byte_ = chunk.back();
    end_ += static_cast<std::size_t>(n);
  }
}

}  // namespace renkei
