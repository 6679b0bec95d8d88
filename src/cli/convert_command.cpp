#include "convert_command.hpp"
#include "report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <future>
#include <thread>

#include <fstream>
#include <ostream>

#include "renkei/catalogue/config_loader.hpp"
#include "renkei/convert/record_converter.hpp"
#include "renkei/posix_file.hpp"

namespace renkei::cli {
namespace {


struct Chunk {
  std::string data;           // whole lines; the last may lack its '\n' at end of file
  std::string out;            // an empty buffer to convert into (its capacity is reused)
  uint64_t first_offset = 0;  // bytes before it
  bool first_is_header = false;
};

// A refused record or a note, by its line within the chunk: the lines before the chunk
// are counted only when its turn to be written comes, so reading never waits to count.
struct RecordMessage {
  uint64_t line = 0;        // 1-based, within the chunk
  uint64_t file_byte = 0;   // errors: where in the file
  std::string text;
};

struct ChunkResult {
  std::string in;             // the chunk's buffers, back for the next chunks
  std::string out;            // each converted record followed by '\n'
  std::vector<RecordMessage> errors;
  std::vector<RecordMessage> notes;
  std::string setup_error;    // the converter could not be created
  uint64_t lines = 0;
  uint64_t converted = 0;
  uint64_t shrunk = 0;
};

// Counts '\n' a word at a time: exact (no false positives from carries), and several
// times faster than a byte loop.
uint64_t count_newlines(std::string_view s) {
  uint64_t n = 0;
  std::size_t i = 0;
  constexpr uint64_t kOnes = 0x0101010101010101ull, kLow7 = 0x7F7F7F7F7F7F7F7Full;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t x = w ^ (kOnes * '\n');  // bytes that were '\n' are now 0
    const uint64_t t = ((x & kLow7) + kLow7) | x;
    n += (((~t & ~kLow7) >> 7) * kOnes) >> 56;  // adds up the bytes' flags (no popcnt on baseline x86-64)
  }
  for (; i < s.size(); ++i) n += s[i] == '\n';
  return n;
}

ChunkResult convert_records(const ConversionPlan& plan, Chunk& c);

// The converted file goes to the disk without the page cache (O_DIRECT) where the file
// system allows it: the kernel then neither copies every byte into cached pages nor
// writes them back later on our time, the data is on the disk as each write returns,
// and the fsync at the end only has the metadata left. O_DIRECT wants aligned offsets,
// lengths and memory, so bytes pass through one small aligned buffer (a copy that stays
// in the cache) and whole blocks go out; the last partial block is written without
// O_DIRECT. Where O_DIRECT is refused, at open or at a write, the bytes go through the
// page cache instead. Durability comes from the fsync at the end either way.
class DirectWriter {
 public:
  ~DirectWriter() { close_quietly(); }

  std::expected<void, IoError> open_truncate(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0640);
    staged_ = o_direct_ = fd_ >= 0;
    if (fd_ < 0 && errno == EINVAL) fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd_ < 0) return std::unexpected(error("create"));
    if (staged_) stage_.reset(static_cast<char*>(std::aligned_alloc(kAlign, kStage)));
    if (staged_ && !stage_) return std::unexpected(IoError{ENOMEM, "create " + path_ + ": " + std::strerror(ENOMEM)});
    return {};
  }

  std::expected<void, IoError> write(std::string_view bytes) {
    if (!staged_) return put(bytes.data(), bytes.size());
    while (!bytes.empty()) {
      const std::size_t n = std::min(kStage - have_, bytes.size());
      std::memcpy(stage_.get() + have_, bytes.data(), n);
      have_ += n;
      bytes.remove_prefix(n);
      if (have_ == kStage)
        if (auto r = flush_blocks(); !r) return r;
    }
    return {};
  }

  std::expected<void, IoError> sync_and_close() {
    if (staged_) {
      if (auto r = flush_blocks(); !r) return r;
      if (have_ > 0) {
        if (auto r = stop_direct(); !r) return r;
        if (auto r = put(stage_.get(), have_); !r) return r;
        have_ = 0;
      }
    }
    if (::fsync(fd_) != 0) return std::unexpected(error("fsync"));
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return std::unexpected(error("close"));
    return {};
  }

  void close_quietly() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  static constexpr std::size_t kAlign = 4096;  // a multiple of every logical block size in use
  static constexpr std::size_t kStage = 1 << 20;
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };

  IoError error(const char* what) const {
    const int e = errno;
    return IoError{e, std::string(what) + " " + path_ + ": " + std::strerror(e)};
  }

  std::expected<void, IoError> stop_direct() {
    if (!o_direct_) return {};
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return std::unexpected(error("write"));
    o_direct_ = false;
    return {};
  }

  // The whole blocks of the buffer go out; the rest moves to its front.
  std::expected<void, IoError> flush_blocks() {
    const std::size_t whole = have_ & ~(kAlign - 1);
    if (whole == 0) return {};
    const off_t at = offset_;
    if (auto r = put(stage_.get(), whole); !r) {
      // A file system may accept O_DIRECT at open and refuse the write (or want larger
      // blocks, or a short write left the rest unaligned): the same bytes then go, from
      // the same place, through the page cache.
      if (r.error().err != EINVAL || !o_direct_) return r;
      if (auto s = stop_direct(); !s) return s;
      offset_ = at;
      if (auto again = put(stage_.get(), whole); !again) return again;
    }
    std::memmove(stage_.get(), stage_.get() + whole, have_ - whole);
    have_ -= whole;
    return {};
  }

  std::expected<void, IoError> put(const char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::pwrite(fd_, p, n, offset_);
      if (w < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(error("write"));
      }
      p += w;
      n -= static_cast<std::size_t>(w);
      offset_ += w;
    }
    return {};
  }

  int fd_ = -1;
  bool staged_ = false;    // bytes go through stage_ (the file was opened with O_DIRECT)
  bool o_direct_ = false;  // the descriptor still has O_DIRECT
  std::string path_;
  std::unique_ptr<char, Free> stage_;
  std::size_t have_ = 0;  // bytes in stage_
  off_t offset_ = 0;      // bytes already in the file
};

// The chunks' outputs go to the file from the chunks' own threads, strictly in input
// order: the reading thread neither copies them into the page cache nor waits for that.
struct OrderedOutput {
  explicit OrderedOutput(DirectWriter& w) : writer(w) {}
  DirectWriter& writer;
  std::mutex mu;
  std::condition_variable cv;
  uint64_t turn = 0;          // the chunk whose output is next
  bool stop = false;          // after a failure nothing more is written
  std::string write_error;
};

void write_in_turn(OrderedOutput& o, uint64_t index, std::string_view bytes) {
  std::unique_lock lock(o.mu);
  o.cv.wait(lock, [&] { return o.turn == index; });
  if (!o.stop)
    if (auto w = o.writer.write(bytes); !w) {
      o.write_error = w.error().message;
      o.stop = true;
    }
  ++o.turn;
  lock.unlock();
  o.cv.notify_all();
}

ChunkResult convert_chunk(const ConversionPlan& plan, Chunk c, OrderedOutput& output, uint64_t index) {
  ChunkResult r = convert_records(plan, c);
  // The output keeps the input's shape: a final newline only if the input had one (only
  // the file's last chunk can end without).
  if (!c.data.empty() && c.data.back() != '\n' && !r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  write_in_turn(output, index, r.out);
  r.in = std::move(c.data);
  return r;
}

ChunkResult convert_records(const ConversionPlan& plan, Chunk& c) {
  ChunkResult r;
  r.out = std::move(c.out);
  auto conv = RecordConverter::create(plan);
  if (!conv) {
    r.setup_error = conv.error();
    return r;
  }
  // Room for what text usually becomes (a third more in UTF-8), and for the fast paths' blocks.
  r.out.reserve(c.data.size() * 3 / 2 + (256 << 10));
  std::vector<ConversionNote> notes;
  std::string_view rest = c.data;
  uint64_t line = 0, offset = c.first_offset;
  while (!rest.empty()) {
    // Runs of lines that need no closer look go across in one pass.
    if (const std::size_t n = conv->convert_plain_lines(rest, r.out)) {
      const uint64_t k = count_newlines(rest.substr(0, n));
      line += k;
      r.converted += k;
      offset += n;
      rest.remove_prefix(n);
      continue;
    }
    const auto nl = rest.find('\n');
    const std::string_view record = rest.substr(0, nl);
    ++line;
    notes.clear();
    auto out = conv->convert_into(record, r.out, &notes, c.first_is_header && line == 1);
    if (!out) {
      r.errors.push_back({line, offset + out.error().offset, out.error().describe()});
    } else {
      ++r.converted;
      r.shrunk += notes.size();
      for (const auto& n : notes)
        r.notes.push_back({line, 0, "field '" + n.field + "' at byte " + std::to_string(n.offset) + ": " + n.what});
      if (!*out) r.out += record;  // unchanged: the bytes as they were
      r.out.push_back('\n');
    }
    offset += record.size() + 1;
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  r.lines = line;
  return r;
}

}  // namespace

int cmd_convert(const ConvertOptions& o, std::ostream& out, std::ostream& err) {
  auto cat = load_catalogue(o.config);
  if (!cat) return report(cat.error(), err);
  auto maps = load_codemaps(**cat);
  if (!maps) return report(maps.error(), err);

  RouteDef adhoc;
  const RouteDef* route = nullptr;
  if (o.route) {
    route = (*cat)->route(o.route);
    if (!route) {
      err << "renkeictl convert: no route " << o.route << " in the catalogue\n";
      return kUsage;
    }
    if (!o.profile.empty()) {
      adhoc = *route;
      adhoc.conversion = o.profile;
      route = &adhoc;
    }
  } else {
    if (o.profile.empty() || o.from.empty() || o.to.empty()) {
      err << "renkeictl convert: without --route, --profile, --from and --to are all needed\n";
      return kUsage;
    }
    adhoc.conversion = o.profile;
    route = &adhoc;
  }
  auto plan = plan_for_route(*cat, *maps, *route, o.from, o.to);
  if (!plan) {
    err << "renkeictl convert: " << plan.error() << "\n";
    return kInvalid;
  }
  auto conv = RecordConverter::create(std::move(*plan));
  if (!conv) {
    err << "renkeictl convert: " << conv.error() << "\n";
    return kInvalid;
  }

  const int in_fd = ::open(o.in.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) {
    err << "renkeictl convert: " << o.in << ": " << std::strerror(errno) << "\n";
    return kInvalid;
  }
  // Read once from start to end: a file not in the page cache yet is read ahead further.
  ::posix_fadvise(in_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } in_closer{in_fd};
  // Written beside OUT under a temporary name, renamed only when complete.
  const std::string temp = o.out + ".tmp-" + std::to_string(::getpid());
  DirectWriter writer;
  if (auto r = writer.open_truncate(temp); !r) {
    err << "renkeictl convert: " << r.error().message << "\n";
    return kInvalid;
  }
  OrderedOutput output(writer);
  std::deque<std::future<ChunkResult>> inflight;
  auto fail = [&](const std::string& message) {
    err << message << "\n";
    {
      std::lock_guard lock(output.mu);
      output.stop = true;
    }
    for (auto& f : inflight) f.wait();  // no chunk may still be writing
    writer.close_quietly();
    ::unlink(temp.c_str());
    return kInvalid;
  };
  std::ofstream errors;
  if (!o.errors_file.empty()) {
    errors.open(o.errors_file, std::ios::binary | std::ios::trunc);
    if (!errors) return fail("renkeictl convert: cannot write " + o.errors_file);
  }

  // The file is cut into chunks at line ends and converted on every core, each chunk by
  // a converter of its own; results are written strictly in input order. Chunk buffers
  // go round and round: fresh memory for every chunk cost more in page faults than the
  // conversion itself.
  const ConversionPlan chunk_plan = conv->plan();
  const bool header = chunk_plan.layout && chunk_plan.layout->header;
  const unsigned workers = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  // 1 MiB: the buffers in use (two per chunk, twice as many chunks as workers) stay few
  // and warm; 4 MiB chunks cost some 14,000 more page faults on 100 MB for no gain.
  constexpr std::size_t kChunk = 1 << 20;
  std::vector<std::string> spare_in, spare_out;
  auto take = [](std::vector<std::string>& spare) {
    std::string s;
    if (!spare.empty()) {
      s = std::move(spare.back());
      spare.pop_back();
    }
    s.clear();
    return s;
  };
  uint64_t line_no = 0, file_offset = 0, converted = 0, failed = 0, shrunk = 0, chunks = 0;
  std::string carry;

  auto drain_one = [&]() -> std::optional<int> {
    ChunkResult r = inflight.front().get();
    inflight.pop_front();
    if (!r.setup_error.empty()) return fail("renkeictl convert: " + r.setup_error);
    converted += r.converted;
    shrunk += r.shrunk;
    for (const auto& n : r.notes)
      err << o.in << ": record " << line_no + n.line << ": " << n.text << "\n";
    if (!r.errors.empty()) {
      failed += r.errors.size();
      for (const auto& e : r.errors) {
        const std::string line = std::to_string(line_no + e.line);
        const std::string message = o.in + ": record " + line + " (line " + line + ", file byte " +
                                    std::to_string(e.file_byte) + "): " + e.text;
        if (!errors.is_open()) return fail(message);
        errors << message << "\n";
      }
    }
    line_no += r.lines;
    spare_in.push_back(std::move(r.in));
    spare_out.push_back(std::move(r.out));
    std::string write_error;
    {
      std::lock_guard lock(output.mu);
      write_error = output.write_error;
    }
    if (!write_error.empty()) return fail("renkeictl convert: " + write_error);
    return std::nullopt;
  };

  bool eof = false;
  while (!eof) {
    // Read behind the carried-over partial line, into a used buffer when there is one
    // (and without zeroing what the read overwrites anyway).
    std::string chunk;
    if (carry.size() > kChunk / 2) {
      chunk = std::move(carry);  // a line longer than a chunk grows in place
    } else {
      chunk = take(spare_in);
      chunk.append(carry);
    }
    carry.clear();
    const std::size_t kept = chunk.size();
    int read_errno = 0;
    chunk.resize_and_overwrite(kept + kChunk, [&](char* p, std::size_t) {
      ssize_t n;
      do {
        n = ::read(in_fd, p + kept, kChunk);
      } while (n < 0 && errno == EINTR);
      if (n < 0) read_errno = errno;
      return kept + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
    });
    if (read_errno) return fail("renkeictl convert: " + o.in + ": " + std::strerror(read_errno));
    const std::size_t n = chunk.size() - kept;
    eof = n == 0;
    if (n > 0) {
      // Only whole lines go out; the rest waits for the next read.
      const auto last_nl = chunk.rfind('\n');
      if (last_nl == std::string::npos) {
        carry = std::move(chunk);
        continue;
      }
      carry.assign(chunk, last_nl + 1);
      chunk.resize(last_nl + 1);
    }
    if (chunk.empty()) {
      spare_in.push_back(std::move(chunk));
      continue;
    }
    Chunk c{std::move(chunk), take(spare_out), file_offset, header && chunks == 0};
    file_offset += c.data.size();
    inflight.push_back(
        std::async(std::launch::async, convert_chunk, std::cref(chunk_plan), std::move(c), std::ref(output), chunks++));
    while (inflight.size() >= 2 * workers)
      if (auto rc = drain_one()) return *rc;
  }
  while (!inflight.empty())
    if (auto rc = drain_one()) return *rc;
  if (auto synced = writer.sync_and_close(); !synced) return fail("renkeictl convert: " + synced.error().message);
  if (auto r = rename_durably(temp, o.out); !r) return fail("renkeictl convert: " + r.error().message);
  if (errors.is_open()) errors.close();
  err << o.in << ": " << converted << " records converted, " << failed << " refused, " << shrunk << " shrunk"
      << (failed ? " (see " + o.errors_file + ")" : std::string()) << "\n";
  (void)out;
  return failed ? kInvalid : kOk;
}

}  // namespace renkei::cli
