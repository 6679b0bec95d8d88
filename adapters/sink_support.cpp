#include "sink_support.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "renkei/atomic_file.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace fs = std::filesystem;

namespace renkei::adapters {

AdapterResult<> HeldRecords::append(std::string_view record) {
  if (!starts_.empty()) body_.push_back('\n');
  starts_.push_back(body_.size());
  body_.append(record);
  if (body_.size() > limit_)
    return std::unexpected(AdapterError{false, "bad-record", "batch " + batch_id_ + " exceeds max_batch_bytes (" +
                                                               std::to_string(limit_) + ")"});
  return {};
}

void HeldRecords::clear() {
  body_.clear();
  starts_.clear();
}

std::string_view HeldRecords::record(std::size_t i) const {
  const std::size_t end = i + 1 < starts_.size() ? starts_[i + 1] - 1 : body_.size();
  return std::string_view(body_).substr(starts_[i], end - starts_[i]);
}

void HeldRecords::replay(const std::function<void(std::string_view)>& on_record) const {
  for (std::size_t i = 0; i < starts_.size(); ++i) on_record(record(i));
}

AdapterResult<> HeldRecords::check(const BatchEnd& end) const {
  Sha256 h;
  h.update(body_);
  if (end.final_newline) h.update("\n");
  const auto sum = h.hex();
  if (end.count == starts_.size() && end.sha256 == sum) return {};
  return std::unexpected(AdapterError{false, "bad-record",
                                      "batch " + batch_id_ + " does not match its end marker: " +
                                          std::to_string(starts_.size()) + " records, expected " +
                                          std::to_string(end.count) + (end.sha256 != sum ? ", checksum differs" : "")});
}

void prune_ledger(const std::string& root) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - kLedgerKeep;
  for (fs::directory_iterator routes(root, ec), end; !ec && routes != end; routes.increment(ec)) {
    if (!routes->is_directory(ec) || routes->is_symlink(ec)) continue;
    for (fs::directory_iterator e(routes->path(), ec); !ec && e != end; e.increment(ec)) {
      std::error_code ec2;
      if (e->is_regular_file(ec2) && e->last_write_time(ec2) < cutoff && !ec2) fs::remove(e->path(), ec2);
    }
    ec.clear();
  }
}

DeliveryLedger::DeliveryLedger(const SystemDef& system, const Catalogue& catalogue)
    : root_((fs::path(catalogue.hub.state_dir) / "delivered" / system.id).string()) {}

std::string DeliveryLedger::dir(int route_id) const { return (fs::path(root_) / interface_label(route_id)).string(); }

bool DeliveryLedger::contains(int route_id, const std::string& batch_id) const {
  std::error_code ec;
  return fs::exists(fs::path(dir(route_id)) / batch_id, ec);
}

AdapterResult<> DeliveryLedger::add(int route_id, const std::string& batch_id) const {
  if (auto r = make_dirs(dir(route_id)); !r) return std::unexpected(AdapterError{true, "io", r.error().message});
  if (auto r = write_file_atomically((fs::path(dir(route_id)) / batch_id).string(), ""); !r)
    return std::unexpected(AdapterError{true, "io", r.error()});
  return {};
}

HeldBatchSink::HeldBatchSink(const SystemDef& system, const Catalogue& catalogue)
    : ledger_(system, catalogue),
      max_batch_(static_cast<std::size_t>(positive_setting(system, "max_batch_bytes", 64 << 20))) {}

AdapterResult<std::unique_ptr<SinkBatch>> HeldBatchSink::begin(const SinkBatchInfo& b) {
  return std::unique_ptr<SinkBatch>(std::make_unique<HeldSinkBatch>(
      b, max_batch_, [this](const SinkBatchInfo& info, const HeldRecords& records, const BatchEnd& end) -> AdapterResult<> {
        // A batch rebuilt after its ledger entry was written is not sent a second time.
        if (ledger_.contains(info.route_id, info.batch_id)) return {};
        if (auto r = deliver_batch(info, records, end); !r) return r;
        // The target has it. The ledger spares it a second copy after a restart; should
        // this write fail, the retry repeats the delivery, which the target recognises.
        return ledger_.add(info.route_id, info.batch_id);
      }));
}

long long positive_setting(const SystemDef& s, const std::string& name, long long fallback) {
  auto it = s.adapter.settings.find(name);
  if (it == s.adapter.settings.end()) return fallback;
  long long v = fallback;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc{} && v > 0 ? v : fallback;
}

RetryPolicy backoff_setting(const SystemDef& s) {
  RetryPolicy p;
  p.first = std::chrono::milliseconds(positive_setting(s, "backoff_initial_ms", 500));
  p.max = std::max(p.first, std::chrono::milliseconds(positive_setting(s, "backoff_max_ms", 60'000)));
  return p;
}

}  // namespace renkei::adapters
