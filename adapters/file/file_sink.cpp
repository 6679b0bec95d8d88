#include <filesystem>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "file/file_adapter.hpp"
#include "sink_support.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/outside_value.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace fs = std::filesystem;

namespace renkei::adapters {
namespace {

// A name the file system refuses stays refused however often it is tried: the batch goes
// to the DLQ instead of blocking its partition. A full or failing disk may recover.
AdapterError transient(const IoError& e) {
  if (e.err == ENAMETOOLONG || e.err == EINVAL || e.err == EILSEQ)
    return AdapterError{false, "bad-name", "the file system refuses the name: " + std::string(std::strerror(e.err))};
  return AdapterError{true, "io", e.message};
}

AdapterResult<> check_batch_id(const std::string& id) {
  if (auto r = BatchId::parse(id); !r) return std::unexpected(AdapterError{false, "bad-header", r.error().message()});
  return {};
}

// Delivery protocol, crash-safe at every step:
//   1. records go to <inbox>/<NNN>/.<batch>.tmp; at the end marker count and checksum are
//      checked and the temp file is fsynced;
//   2. a ledger entry <state>/delivered/<system>/<NNN>/<batch> names the final file;
//   3. the temp file is renamed to its final name and the directory fsynced.
// A batch with a ledger entry is delivered: if its temp file is still there, the crash
// came between 2 and 3, and the rename is finished instead of rebuilding anything.
class FileSinkBatch final : public SinkBatch {
 public:
  FileSinkBatch(std::string dir, std::string ledger_dir, SinkBatchInfo info)
      : dir_(std::move(dir)), ledger_dir_(std::move(ledger_dir)), info_(std::move(info)),
        temp_((fs::path(dir_) / ("." + info_.batch_id + ".tmp")).string()) {}
  ~FileSinkBatch() override {
    if (!committed_) abort();
  }

  AdapterResult<> start() {
    if (auto r = out_.open_truncate(temp_); !r) return std::unexpected(transient(r.error()));
    return {};
  }

  AdapterResult<> append(std::string_view record) override {
    if (count_ > 0) put("\n");
    put(record);
    ++count_;
    if (!ok_) return std::unexpected(error_);
    return {};
  }

  AdapterResult<> commit(const BatchEnd& end) override {
    if (end.final_newline) put("\n");
    if (!ok_) return std::unexpected(error_);
    auto sum = sha_.hex();
    if (end.count != count_ || end.sha256 != sum)
      return std::unexpected(AdapterError{false, "bad-record",
                                          "batch " + info_.batch_id + " does not match its end marker: " +
                                              std::to_string(count_) + " records, expected " +
                                              std::to_string(end.count) + (end.sha256 != sum ? ", checksum differs" : "")});
    if (auto r = out_.sync_and_close(); !r) return std::unexpected(transient(r.error()));
    auto source_name = SpoolName::parse(end.name);
    if (!source_name) return std::unexpected(AdapterError{false, "bad-name", source_name.error().message()});
    auto final_name = delivered_name(info_.batch_id, source_name->str());
    // The temp file's entry must be durable before the ledger says "delivered": after a
    // power loss the ledger then always finds either the temp file or the final one.
    if (!fsync_dir(dir_)) return std::unexpected(AdapterError{true, "io", "fsync " + dir_});
    if (auto r = make_dirs(ledger_dir_); !r) return std::unexpected(transient(r.error()));
    auto ledger = (fs::path(ledger_dir_) / info_.batch_id).string();
    if (auto r = write_file_atomically(ledger, final_name); !r)
      return std::unexpected(AdapterError{true, "io", r.error()});
    if (auto r = rename_durably(temp_, (fs::path(dir_) / final_name).string()); !r) {
      // Not published: take the ledger entry back so a retry rebuilds the batch. If even
      // that fails, keep the temp file: delivered() then finishes the rename later.
      std::error_code ec;
      if (!fs::remove(ledger, ec) || ec || !fsync_dir(ledger_dir_)) keep_temp_ = true;
      return std::unexpected(transient(r.error()));
    }
    committed_ = true;
    return {};
  }

  void abort() override {
    out_.close_quietly();
    std::error_code ec;
    if (!committed_ && !keep_temp_) fs::remove(temp_, ec);
    committed_ = true;  // nothing more to undo
  }

  AdapterResult<> replay(const std::function<void(std::string_view)>& on_record) override {
    if (auto r = out_.flush(); !r) return std::unexpected(transient(r.error()));
    LineReader reader;
    if (auto r = reader.open(temp_); !r) return std::unexpected(transient(r.error()));
    // Records are joined by '\n', so empty records at the end leave no line of their own.
    std::string_view line;
    for (uint64_t i = 0; i < count_; ++i) {
      auto more = reader.next(line);
      if (!more) return std::unexpected(transient(more.error()));
      on_record(*more ? line : std::string_view());
    }
    return {};
  }

 private:
  void put(std::string_view bytes) {
    if (!ok_) return;
    sha_.update(bytes);
    if (auto r = out_.write(bytes); !r) {
      ok_ = false;
      error_ = transient(r.error());
    }
  }

  std::string dir_;
  std::string ledger_dir_;
  SinkBatchInfo info_;
  std::string temp_;
  FileWriter out_;
  Sha256 sha_;
  uint64_t count_ = 0;
  bool ok_ = true;
  AdapterError error_;
  bool committed_ = false;
  bool keep_temp_ = false;
};

class FileSink final : public Sink {
 public:
  FileSink(const SystemDef& system, const Catalogue& catalogue)
      : inbox_(system.adapter.settings.at("inbox")),
        ledger_root_((fs::path(catalogue.hub.state_dir) / "delivered" / system.id).string()) {
    // Its own routes in and those it relays as a hop (gw-server: routes 1, 3–7).
    for (const auto* r : catalogue.routes_delivered_by(system.id)) routes_.push_back(r->id);
  }

  AdapterResult<> open() override {
    for (int id : routes_)
      if (auto r = make_dirs(route_dir(inbox_, id)); !r) return std::unexpected(transient(r.error()));
    prune_ledger(ledger_root_);
    return {};
  }

  AdapterResult<bool> delivered(const SinkBatchInfo& b) override {
    if (auto ok = check_batch_id(b.batch_id); !ok) return std::unexpected(ok.error());
    auto ledger = fs::path(route_dir(ledger_root_, b.route_id)) / b.batch_id;
    std::ifstream in(ledger, std::ios::binary);
    if (!in) return false;
    // The whole entry is the name (a name may hold any byte but '/' and NUL).
    std::string final_name((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto dir = route_dir(inbox_, b.route_id);
    auto temp = (fs::path(dir) / ("." + b.batch_id + ".tmp")).string();
    std::error_code ec;
    if (!final_name.empty() && fs::exists(temp, ec)) {
      // Crashed between ledger and rename: the temp file is complete and fsynced.
      if (auto r = rename_durably(temp, (fs::path(dir) / final_name).string()); !r)
        return std::unexpected(transient(r.error()));
    }
    return true;
  }

  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo& b) override {
    if (auto ok = check_batch_id(b.batch_id); !ok) return std::unexpected(ok.error());
    auto dir = route_dir(inbox_, b.route_id);
    if (auto r = make_dirs(dir); !r) return std::unexpected(transient(r.error()));
    auto batch = std::make_unique<FileSinkBatch>(dir, route_dir(ledger_root_, b.route_id), b);
    if (auto r = batch->start(); !r) return std::unexpected(r.error());
    return std::unique_ptr<SinkBatch>(std::move(batch));
  }

  void close() override {}

 private:
  std::string inbox_;
  std::string ledger_root_;
  std::vector<int> routes_;
};

}  // namespace

std::unique_ptr<Sink> make_file_sink(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<FileSink>(system, catalogue);
}

}  // namespace renkei::adapters
