#pragma once
// The conformance suite every adapter kind must pass (ARCHITECTURE §3: "one conformance
// suite that every adapter kind must pass"). Adapters are made only through the registry
// (make_source / make_sink) from a small Catalogue built in code: two systems a → b and
// one route, id 7.
//
// A kind takes part by providing a *driver*: a class derived from AdapterDriver that
// knows how to put a unit where its source will find it and how to see what its sink
// delivered. Then one line in the kind's test file:
//
//   INSTANTIATE_TYPED_TEST_SUITE_P(Http, AdapterConformance, ::testing::Types<HttpDriver>, DriverNames);
//
// Kinds without a source (or sink) side get those tests skipped: the registry returns
// nullptr for them.
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "renkei/adapter.hpp"
#include "renkei/batch.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/sha256.hpp"

namespace renkei::conformance {

namespace fs = std::filesystem;

inline constexpr int kRoute = 7;
inline constexpr const char* kFrom = "a";
inline constexpr const char* kTo = "b";

// ---- helpers ---------------------------------------------------------------------------

using renkei::testing::TempDir;

inline void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A unit as the source would split it into records.
struct Split {
  std::vector<std::string> records;
  bool final_newline = false;
};

// A unit read as '\n'-separated line records (what the file, http and kafka kinds carry).
inline Split split_lines(std::string_view unit) {
  Split s;
  if (unit.empty()) return s;
  s.final_newline = unit.back() == '\n';
  if (s.final_newline) unit.remove_suffix(1);
  for (;;) {
    auto nl = unit.find('\n');
    s.records.emplace_back(unit.substr(0, nl));
    if (nl == std::string_view::npos) break;
    unit.remove_prefix(nl + 1);
  }
  return s;
}

// Units every kind must carry byte for byte.
struct Sample {
  std::string label;
  std::string bytes;
};

inline const std::vector<Sample>& samples() {
  static const std::vector<Sample> s = {
      {"lf-with-final-newline", "0001,alpha\n0002,beta\n0003,gamma\n"},
      {"lf-without-final-newline", "0001,alpha\n0002,beta"},
      {"crlf-lines", "0001,alpha\r\n0002,beta\r\n"},
      {"crlf-without-final-newline", "0001,alpha\r\n0002,beta"},
      {"empty-line-in-middle", "first\n\nthird\n"},
      {"empty-lines-at-end", "only\n\n\n"},
      {"leading-empty-line", "\nsecond"},
      {"only-a-newline", "\n"},
      {"empty-unit", ""},
      {"one-record-no-newline", "x"},
      {"lone-cr", "\r"},
      {"shift-jis-bytes", "\x8f\x5a\x96\xaf,\xb6\xde,\x5c\n\x81\x60\n"},
      {"utf8-and-nul", std::string("\xe4\xbd\x8f\xe6\xb0\x91\0tab\tend\n", 17)},
  };
  return s;
}

// ---- the driver a kind provides ---------------------------------------------------------

// Every delivery its own entry: a repeated name is listed again as "<name>#2", "#3" ….
inline void add_delivery(std::map<std::string, std::string>& out, const std::string& name, std::string bytes) {
  std::string key = name;
  for (int n = 2; out.contains(key); ++n) key = name + "#" + std::to_string(n);
  out.emplace(std::move(key), std::move(bytes));
}

class AdapterDriver {
 public:
  virtual ~AdapterDriver() = default;
  virtual std::string kind() const = 0;
  // The adapter settings of system `system_id`, everything under `root` (a fresh temp dir).
  virtual std::map<std::string, std::string> settings(const std::string& system_id, const fs::path& root) = 0;
  // How this kind's source splits a unit into records (the sink must rebuild the unit).
  virtual Split split(std::string_view unit) const = 0;

  // Makes `bytes` a complete unit named `name` that the source of `source` offers for
  // `route_id`. Units injected later are newer. Injecting an existing name sends it again.
  virtual void inject(const Catalogue& cat, const SystemDef& source, int route_id, const std::string& name,
                      std::string_view bytes) = 0;
  // Puts things the source must never offer beside the units (units still being written,
  // markers, …); returns a description of each for messages.
  virtual std::vector<std::string> inject_not_ready(const Catalogue& cat, const SystemDef& source, int route_id) = 0;
  // What open() should have created but did not (empty: all there).
  virtual std::vector<std::string> missing_after_open(const Catalogue& cat, const SystemDef& source,
                                                      const SystemDef& sink, int route_id) = 0;

  // What the target of `sink` holds for `route_id`: visible unit name → bytes. Every real
  // delivery counts (each POST, each message): a repeat under the same name is listed as
  // "<name>#2", "<name>#3" …, never folded into the first.
  virtual std::map<std::string, std::string> delivered(const Catalogue& cat, const SystemDef& sink, int route_id) = 0;
  // true: the kind sends a repeated event again under the same id and the target
  // recognises it (http's Idempotency-Key, kafka's renkei-idempotency-key); false: the
  // kind itself gives no second output.
  virtual bool repeats_reach_the_target() const { return false; }
  // Half-written state the sink left behind (temp files, …): empty when no batch is open.
  virtual std::vector<std::string> leftovers(const Catalogue& cat, const SystemDef& sink, int route_id) = 0;
  // Leaves the sink's state exactly as a crash after the batch was recorded as delivered
  // but before its output became visible would. false: the kind has no such window.
  virtual bool simulate_crash_after_record(const Catalogue& cat, const SystemDef& sink, const SinkBatchInfo& batch,
                                           const std::string& name, std::string_view bytes) = 0;
  // Leaves the state of a crash in the middle of a batch (`partial` appended, nothing
  // recorded). false: the kind has no such state.
  virtual bool simulate_crash_mid_batch(const Catalogue& cat, const SystemDef& sink, const SinkBatchInfo& batch,
                                        std::string_view partial) = 0;
};

// Readable instantiation names: File/AdapterConformance/rename.SinkDelivers…
struct DriverNames {
  template <class D>
  static std::string GetName(int) {
    return D::name();
  }
};

// ---- the fixture ----------------------------------------------------------------------

template <class D>
class AdapterConformance : public ::testing::Test {
  static_assert(std::is_base_of_v<AdapterDriver, D>, "a driver derives from AdapterDriver");

 protected:
  AdapterConformance() {
    cat_.hub.state_dir = (dir_.path() / "state").string();
    cat_.hub.spool_root = (dir_.path() / "spool").string();
    cat_.hub.config_dir = dir_.path().string();
    for (const char* id : {kFrom, kTo}) {
      SystemDef s;
      s.id = id;
      s.name = std::string("system ") + id;
      s.charset = "UTF-8";
      s.adapter.kind = driver_.kind();
      s.adapter.settings = driver_.settings(id, dir_.path());
      cat_.systems.push_back(std::move(s));
    }
    RouteDef r;
    r.id = kRoute;
    r.name = "conformance route";
    r.from = kFrom;
    r.to = kTo;
    r.conversion = "none";
    r.topic = "renkei.if.007";
    cat_.routes.push_back(r);
  }

  const SystemDef& from() const { return *cat_.system(kFrom); }
  const SystemDef& to() const { return *cat_.system(kTo); }

  // A new, opened source of system a (as after a restart); nullptr when the kind has none.
  std::unique_ptr<Source> source() {
    auto s = make_source(from(), cat_);
    if (s) {
      auto r = s->open();
      EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
    }
    return s;
  }
  std::unique_ptr<Sink> sink() {
    auto s = make_sink(to(), cat_);
    if (s) {
      auto r = s->open();
      EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
    }
    return s;
  }

  BatchEnd end_for(std::string_view bytes, const std::string& name) const {
    auto sp = driver_.split(bytes);
    BatchEnd e;
    e.count = sp.records.size();
    e.sha256 = sha256_hex(bytes);
    e.final_newline = sp.final_newline;
    e.name = name;
    return e;
  }

  static SinkBatchInfo info(const std::string& batch_id, const std::string& name = "") {
    return SinkBatchInfo{kRoute, batch_id, name};
  }

  // begin + append every record + commit, asserting each step.
  void deliver(Sink& s, const SinkBatchInfo& batch, std::string_view bytes, const std::string& name) {
    auto b = s.begin(batch);
    ASSERT_TRUE(b.has_value()) << b.error().detail;
    for (const auto& rec : driver_.split(bytes).records) {
      auto a = (*b)->append(rec);
      ASSERT_TRUE(a.has_value()) << a.error().detail;
    }
    auto c = (*b)->commit(end_for(bytes, name));
    ASSERT_TRUE(c.has_value()) << c.error().kind << ": " << c.error().detail;
  }

  std::vector<SourceUnit> scan(Source& s) {
    auto u = s.scan();
    EXPECT_TRUE(u.has_value()) << (u ? "" : u.error().detail);
    return u ? *u : std::vector<SourceUnit>{};
  }

  static std::vector<std::string> names(const std::vector<SourceUnit>& units) {
    std::vector<std::string> out;
    for (const auto& u : units) out.push_back(u.name);
    return out;
  }

  struct ReadBack {
    std::vector<std::string> records;
    AdapterResult<BatchEnd> end;
  };
  ReadBack read(Source& s, const SourceUnit& unit) {
    ReadBack r{{}, std::unexpected(AdapterError{})};
    r.end = s.read(unit, [&](std::string_view rec) {
      r.records.emplace_back(rec);
      return true;
    });
    return r;
  }

  std::map<std::string, std::string> delivered() { return driver_.delivered(cat_, to(), kRoute); }
  std::vector<std::string> leftovers() { return driver_.leftovers(cat_, to(), kRoute); }

  TempDir dir_;
  D driver_;
  Catalogue cat_;
};

TYPED_TEST_SUITE_P(AdapterConformance);

#define RENKEI_NEED_SOURCE(src)                                  \
  auto src = this->source();                                     \
  if (!src) {                                                    \
    GTEST_SKIP() << this->driver_.kind() << " has no source side"; \
  }                                                              \
  static_assert(true)
#define RENKEI_NEED_SINK(snk)                                    \
  auto snk = this->sink();                                       \
  if (!snk) {                                                    \
    GTEST_SKIP() << this->driver_.kind() << " has no sink side";   \
  }                                                              \
  static_assert(true)

// ---- lifecycle ------------------------------------------------------------------------

TYPED_TEST_P(AdapterConformance, OpenCreatesWhatItNeeds) {
  auto src = make_source(this->from(), this->cat_);
  auto snk = make_sink(this->to(), this->cat_);
  if (!src && !snk) GTEST_SKIP() << "kind has neither side";
  if (src) {
    auto r = src->open();
    ASSERT_TRUE(r.has_value()) << r.error().detail;
    EXPECT_TRUE(src->open().has_value()) << "a second open() must be harmless";
    auto units = src->scan();
    ASSERT_TRUE(units.has_value()) << units.error().detail;
    EXPECT_TRUE(units->empty());
  }
  if (snk) {
    auto r = snk->open();
    ASSERT_TRUE(r.has_value()) << r.error().detail;
    EXPECT_TRUE(snk->open().has_value()) << "a second open() must be harmless";
    auto d = snk->delivered(this->info("20260101T000000Z-0000000000000000"));
    ASSERT_TRUE(d.has_value()) << d.error().detail;
    EXPECT_FALSE(*d);
  }
  EXPECT_EQ(this->driver_.missing_after_open(this->cat_, this->from(), this->to(), kRoute),
            std::vector<std::string>{});
  if (src) src->close();
  if (snk) snk->close();
}

// ---- sink -----------------------------------------------------------------------------

TYPED_TEST_P(AdapterConformance, SinkDeliversExactlyTheBytesOnce) {
  RENKEI_NEED_SINK(snk);
  int n = 0;
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.label);
    const std::string id = "20260101T000000Z-" + std::to_string(1000 + n++);
    const std::string name = s.label + ".dat";
    auto before = this->delivered();
    this->deliver(*snk, this->info(id), s.bytes, name);
    auto after = this->delivered();
    ASSERT_EQ(after.size(), before.size() + 1) << "exactly one new output per batch";
    for (const auto& [k, v] : after) {
      if (before.contains(k)) {
        EXPECT_EQ(before.at(k), v) << "an earlier output changed: " << k;
        continue;
      }
      EXPECT_EQ(v, s.bytes) << "output " << k << " differs from the unit";
    }
    EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
  }
}

TYPED_TEST_P(AdapterConformance, DeliveredIsFalseBeforeAndTrueAfterCommit) {
  RENKEI_NEED_SINK(snk);
  const std::string id = "20260102T000000Z-00000000000000d1";
  const std::string bytes = "r1\nr2\n";
  auto d = snk->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d);

  auto b = snk->begin(this->info(id));
  ASSERT_TRUE(b.has_value()) << b.error().detail;
  ASSERT_TRUE((*b)->append("r1").has_value());
  ASSERT_TRUE((*b)->append("r2").has_value());
  d = snk->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d) << "open batch reported as delivered";
  ASSERT_TRUE((*b)->commit(this->end_for(bytes, "d.txt")).has_value());
  b->reset();

  d = snk->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(*d);
  // Other batches are not affected.
  d = snk->delivered(this->info("20260102T000000Z-00000000000000d2"));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d);
  // It survives a restart: a new instance (what the router asks after a crash) knows it,
  // so the runner skips the batch instead of delivering it again.
  snk->close();
  auto again = this->sink();
  d = again->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(*d);
  // Asking changes nothing.
  EXPECT_EQ(this->delivered().size(), 1u);
  EXPECT_EQ(this->delivered().begin()->second, bytes);
}

TYPED_TEST_P(AdapterConformance, RepeatedCommitOfTheSameBatchStillGivesOneOutput) {
  // The router never does this (delivered() is true), but a batch re-built after a crash
  // must re-create the same output, never a second one.
  RENKEI_NEED_SINK(snk);
  const std::string id = "20260103T000000Z-00000000000000e1";
  const std::string bytes = "x\ny\n";
  this->deliver(*snk, this->info(id), bytes, "twice.txt");
  auto first = this->delivered();
  this->deliver(*snk, this->info(id), bytes, "twice.txt");
  // Every real delivery is counted: a sink that sent the batch again would show "#2".
  EXPECT_EQ(this->delivered(), first);
  EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
}

TYPED_TEST_P(AdapterConformance, CommitWithWrongCountFailsAndLeavesNothing) {
  RENKEI_NEED_SINK(snk);
  const std::string id = "20260104T000000Z-00000000000000f1";
  const std::string bytes = "a\nb\nc\n";
  for (int64_t delta : {-1, +1}) {
    SCOPED_TRACE(delta);
    auto b = snk->begin(this->info(id));
    ASSERT_TRUE(b.has_value());
    for (const char* r : {"a", "b", "c"}) ASSERT_TRUE((*b)->append(r).has_value());
    auto end = this->end_for(bytes, "count.txt");
    end.count = static_cast<uint64_t>(static_cast<int64_t>(end.count) + delta);
    auto c = (*b)->commit(end);
    ASSERT_FALSE(c.has_value()) << "a batch with the wrong count was committed";
    EXPECT_FALSE(c.error().transient);
    EXPECT_EQ(c.error().kind, "bad-record");
    EXPECT_EQ(c.error().detail.find("a\nb"), std::string::npos) << "detail carries record contents";
    EXPECT_TRUE(this->delivered().empty());
    (*b)->abort();
    EXPECT_TRUE(this->delivered().empty());
    EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
    auto d = snk->delivered(this->info(id));
    ASSERT_TRUE(d.has_value());
    EXPECT_FALSE(*d);
  }
}

TYPED_TEST_P(AdapterConformance, CommitWithWrongChecksumFailsAndLeavesNothing) {
  RENKEI_NEED_SINK(snk);
  const std::string id = "20260104T000000Z-00000000000000f2";
  const std::string bytes = "a\nb\n";
  struct Bad {
    std::string label;
    std::function<void(BatchEnd&)> spoil;
  };
  const std::vector<Bad> bad = {
      {"other checksum", [](BatchEnd& e) { e.sha256 = sha256_hex("something else"); }},
      {"final newline flipped", [](BatchEnd& e) { e.final_newline = !e.final_newline; }},
      {"checksum of the bytes without the last newline", [](BatchEnd& e) { e.sha256 = sha256_hex("a\nb"); }},
  };
  for (const auto& x : bad) {
    SCOPED_TRACE(x.label);
    auto b = snk->begin(this->info(id));
    ASSERT_TRUE(b.has_value());
    ASSERT_TRUE((*b)->append("a").has_value());
    ASSERT_TRUE((*b)->append("b").has_value());
    auto end = this->end_for(bytes, "sum.txt");
    x.spoil(end);
    auto c = (*b)->commit(end);
    ASSERT_FALSE(c.has_value()) << "a batch with the wrong checksum was committed";
    EXPECT_FALSE(c.error().transient);
    EXPECT_EQ(c.error().kind, "bad-record");
    EXPECT_TRUE(this->delivered().empty());
    (*b)->abort();
    EXPECT_TRUE(this->delivered().empty());
    EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
    auto d = snk->delivered(this->info(id));
    ASSERT_TRUE(d.has_value());
    EXPECT_FALSE(*d);
  }
  // The batch can still be delivered correctly afterwards.
  this->deliver(*snk, this->info(id), bytes, "sum.txt");
  ASSERT_EQ(this->delivered().size(), 1u);
  EXPECT_EQ(this->delivered().begin()->second, bytes);
}

TYPED_TEST_P(AdapterConformance, AbortLeavesNothingVisible) {
  RENKEI_NEED_SINK(snk);
  const std::string id = "20260105T000000Z-0000000000000a01";
  {
    auto b = snk->begin(this->info(id));
    ASSERT_TRUE(b.has_value());
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE((*b)->append("record " + std::to_string(i)).has_value());
    (*b)->abort();
    EXPECT_TRUE(this->delivered().empty());
    EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
    (*b)->abort();  // twice is harmless
  }
  auto d = snk->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d);
  {
    // Dropping an uncommitted batch is an abort too.
    auto b = snk->begin(this->info(id));
    ASSERT_TRUE(b.has_value());
    ASSERT_TRUE((*b)->append("dropped").has_value());
  }
  EXPECT_TRUE(this->delivered().empty());
  EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
  // The same batch delivers normally after an abort (a retry after back-off).
  this->deliver(*snk, this->info(id), "r\n", "retry.txt");
  ASSERT_EQ(this->delivered().size(), 1u);
  EXPECT_EQ(this->delivered().begin()->second, "r\n");
}

TYPED_TEST_P(AdapterConformance, ReplayReturnsTheAppendedRecordsInOrder) {
  RENKEI_NEED_SINK(snk);
  const std::string id = "20260106T000000Z-0000000000000b01";
  auto b = snk->begin(this->info(id));
  ASSERT_TRUE(b.has_value());
  auto replay = [&] {
    std::vector<std::string> out;
    auto r = (*b)->replay([&](std::string_view rec) { out.emplace_back(rec); });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
    return out;
  };
  EXPECT_EQ(replay(), std::vector<std::string>{});
  const std::vector<std::string> records = {"0001,first", "", "0003,third\r", "\x8f\x5a\x96\xaf", "0005,fifth"};
  std::vector<std::string> so_far;
  for (const auto& r : records) {
    ASSERT_TRUE((*b)->append(r).has_value());
    so_far.push_back(r);
    // (A trailing empty record has its own test below.)
    if (!so_far.back().empty()) {
      EXPECT_EQ(replay(), so_far);
    }
  }
  // A record longer than any buffer.
  const std::string big(2 * (1 << 20) + 3, 'L');
  ASSERT_TRUE((*b)->append(big).has_value());
  so_far.push_back(big);
  auto got = replay();
  ASSERT_EQ(got.size(), so_far.size());
  EXPECT_TRUE(got == so_far);
  // Replay does not disturb the batch: it still commits to exactly the appended bytes.
  std::string bytes;
  for (std::size_t i = 0; i < so_far.size(); ++i) bytes += (i ? "\n" : "") + so_far[i];
  bytes += "\n";
  ASSERT_TRUE((*b)->commit(this->end_for(bytes, "replay.txt")).has_value());
  ASSERT_EQ(this->delivered().size(), 1u);
  EXPECT_TRUE(this->delivered().begin()->second == bytes);
}

TYPED_TEST_P(AdapterConformance, ReplayKeepsTrailingEmptyRecords) {
  // A unit "a\n\n" has the records "a" and "": a batch held after its second record must
  // dead-letter both.
  RENKEI_NEED_SINK(snk);
  const std::vector<std::vector<std::string>> cases = {{"a", ""}, {""}, {"", ""}, {"a", "", ""}};
  int n = 0;
  for (const auto& records : cases) {
    SCOPED_TRACE(::testing::PrintToString(records));
    auto b = snk->begin(this->info("20260106T000000Z-00000000000000c" + std::to_string(n++)));
    ASSERT_TRUE(b.has_value());
    for (const auto& r : records) ASSERT_TRUE((*b)->append(r).has_value());
    std::vector<std::string> got;
    ASSERT_TRUE((*b)->replay([&](std::string_view rec) { got.emplace_back(rec); }).has_value());
    EXPECT_EQ(got, records);
    (*b)->abort();
  }
}

TYPED_TEST_P(AdapterConformance, CrashAfterRecordingFinishesThePublish) {
  RENKEI_NEED_SINK(snk);
  snk.reset();
  const std::string id = "20260107T000000Z-0000000000000c01";
  const std::string bytes = "crash\nwindow\n";
  if (!this->driver_.simulate_crash_after_record(this->cat_, this->to(), this->info(id), "crash.txt", bytes))
    GTEST_SKIP() << this->driver_.kind() << " has no window between recording and publishing";
  EXPECT_TRUE(this->delivered().empty()) << "the simulated crash already published";
  auto fresh = this->sink();  // the restarted hub
  auto d = fresh->delivered(this->info(id));
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_TRUE(*d);
  auto out = this->delivered();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.begin()->second, bytes);
  EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
  // Asking again neither fails nor duplicates.
  d = fresh->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(*d);
  EXPECT_EQ(this->delivered(), out);
}

TYPED_TEST_P(AdapterConformance, CrashMidBatchIsRebuiltFromScratch) {
  RENKEI_NEED_SINK(snk);
  snk.reset();
  const std::string id = "20260107T000000Z-0000000000000c02";
  if (!this->driver_.simulate_crash_mid_batch(this->cat_, this->to(), this->info(id), "partial\nrecords\nstale"))
    GTEST_SKIP() << this->driver_.kind() << " keeps no state mid-batch";
  auto fresh = this->sink();
  auto d = fresh->delivered(this->info(id));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d) << "a batch cut off mid-way counted as delivered";
  EXPECT_TRUE(this->delivered().empty());
  this->deliver(*fresh, this->info(id), "new\n", "rebuilt.txt");
  auto out = this->delivered();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.begin()->second, "new\n");
  EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
}

TYPED_TEST_P(AdapterConformance, EventIsDeliveredOnceUnderItsId) {
  // A realtime record without a batch (POST /ingest): delivered whole, and a repeat under
  // the same id (a retry, a re-read after a crash) gives no second output.
  RENKEI_NEED_SINK(snk);
  const std::string rec = "\x8f\x5a\x96\xaf,\xb6\xde,event";
  const SinkEvent e{kRoute, "4bf92f3577b34da6a3ce929d0e0e4736"};
  auto r = snk->deliver_event(e, rec);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  r = snk->deliver_event(e, rec);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const bool resent = this->driver_.repeats_reach_the_target();
  auto out = this->delivered();
  // A kind that sends the repeat sends it under the same name, recognisable as a repeat.
  ASSERT_EQ(out.size(), resent ? 2u : 1u);
  const std::string first = out.begin()->first;
  if (resent) {
    EXPECT_TRUE(out.contains(first + "#2")) << ::testing::PrintToString(out);
  }
  for (const auto& [k, v] : out) EXPECT_EQ(v, rec) << k;
  // Another event is another output, also after a restart of the hub.
  auto fresh = this->sink();
  ASSERT_TRUE(fresh->deliver_event(SinkEvent{kRoute, "p1-o42"}, "second").has_value());
  ASSERT_TRUE(fresh->deliver_event(e, rec).has_value());
  out = this->delivered();
  ASSERT_EQ(out.size(), resent ? 4u : 2u);
  std::multiset<std::string> bodies;
  for (const auto& [k, v] : out) bodies.insert(v);
  EXPECT_EQ(bodies, resent ? (std::multiset<std::string>{rec, rec, rec, "second"})
                           : (std::multiset<std::string>{rec, "second"}));
  EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
}

// ---- source ---------------------------------------------------------------------------

TYPED_TEST_P(AdapterConformance, ScanOffersOnlyCompleteUnitsOldestFirst) {
  RENKEI_NEED_SOURCE(src);
  EXPECT_TRUE(this->scan(*src).empty());
  auto ignored = this->driver_.inject_not_ready(this->cat_, this->from(), kRoute);
  EXPECT_EQ(this->names(this->scan(*src)), std::vector<std::string>{})
      << "offered one of: " << ::testing::PrintToString(ignored);
  // Injected in this order; names sort the other way round.
  this->driver_.inject(this->cat_, this->from(), kRoute, "c.csv", "1\n");
  this->driver_.inject(this->cat_, this->from(), kRoute, "b.csv", "22\n");
  this->driver_.inject(this->cat_, this->from(), kRoute, "a.csv", "333\n");
  auto units = this->scan(*src);
  EXPECT_EQ(this->names(units), (std::vector<std::string>{"c.csv", "b.csv", "a.csv"}));
  std::set<std::string> ids;
  for (const auto& u : units) {
    EXPECT_EQ(u.route_id, kRoute);
    EXPECT_FALSE(u.batch_id.empty());
    EXPECT_TRUE(ids.insert(u.batch_id).second) << "two units share batch id " << u.batch_id;
  }
  if (units.size() == 3) {
    EXPECT_EQ(units[0].size, 2u);
    EXPECT_EQ(units[1].size, 3u);
    EXPECT_EQ(units[2].size, 4u);
  }
}

TYPED_TEST_P(AdapterConformance, ReadYieldsRecordsAndAMatchingEndMarker) {
  RENKEI_NEED_SOURCE(src);
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.label);
    const std::string name = s.label + ".dat";
    this->driver_.inject(this->cat_, this->from(), kRoute, name, s.bytes);
    auto units = this->scan(*src);
    auto it = std::find_if(units.begin(), units.end(), [&](const SourceUnit& u) { return u.name == name; });
    ASSERT_NE(it, units.end());
    EXPECT_EQ(it->size, s.bytes.size());
    auto r = this->read(*src, *it);
    ASSERT_TRUE(r.end.has_value()) << r.end.error().detail;
    auto expected = this->driver_.split(s.bytes);
    EXPECT_EQ(r.records, expected.records);
    EXPECT_EQ(r.end->count, expected.records.size());
    EXPECT_EQ(r.end->sha256, sha256_hex(s.bytes));
    EXPECT_EQ(r.end->final_newline, expected.final_newline);
    EXPECT_EQ(r.end->name, name);
    // The marker survives its trip through the header.
    auto parsed = BatchEnd::parse(r.end->format());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->sha256, r.end->sha256);
    ASSERT_TRUE(src->complete(*it).has_value());
  }
}

TYPED_TEST_P(AdapterConformance, ReadCanStopEarlyWithoutAnEndMarker) {
  RENKEI_NEED_SOURCE(src);
  this->driver_.inject(this->cat_, this->from(), kRoute, "stop.csv", "1\n2\n3\n");
  auto units = this->scan(*src);
  ASSERT_EQ(units.size(), 1u);
  int seen = 0;
  auto r = src->read(units[0], [&](std::string_view) { return ++seen < 2; });
  EXPECT_FALSE(r.has_value()) << "a read stopped part-way produced an end marker";
  EXPECT_EQ(seen, 2);
  // The unit is still offered and reads whole afterwards.
  units = this->scan(*src);
  ASSERT_EQ(units.size(), 1u);
  auto full = this->read(*src, units[0]);
  ASSERT_TRUE(full.end.has_value());
  EXPECT_EQ(full.records, (std::vector<std::string>{"1", "2", "3"}));
}

TYPED_TEST_P(AdapterConformance, BatchIdIsStableAndChangesWithNewContent) {
  RENKEI_NEED_SOURCE(src);
  this->driver_.inject(this->cat_, this->from(), kRoute, "stable.csv", "v1,aaaa\n");
  auto first = this->scan(*src);
  auto second = this->scan(*src);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].batch_id, second[0].batch_id);
  // A restarted hub sees the same id (a re-read after a crash is recognised downstream).
  auto restarted = this->source();
  auto third = this->scan(*restarted);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].batch_id, first[0].batch_id);
  // Reading does not change it.
  (void)this->read(*src, first[0]);
  EXPECT_EQ(this->scan(*src).at(0).batch_id, first[0].batch_id);
  // The same name sent again with other content is a new batch.
  this->driver_.inject(this->cat_, this->from(), kRoute, "stable.csv", "v2,bbbb\n");
  auto fourth = this->scan(*src);
  ASSERT_EQ(fourth.size(), 1u);
  EXPECT_NE(fourth[0].batch_id, first[0].batch_id);
}

TYPED_TEST_P(AdapterConformance, CompleteRemovesTheUnitFromLaterScans) {
  RENKEI_NEED_SOURCE(src);
  this->driver_.inject(this->cat_, this->from(), kRoute, "one.csv", "1\n");
  this->driver_.inject(this->cat_, this->from(), kRoute, "two.csv", "2\n");
  auto units = this->scan(*src);
  ASSERT_EQ(this->names(units), (std::vector<std::string>{"one.csv", "two.csv"}));
  ASSERT_TRUE(src->complete(units[0]).has_value());
  EXPECT_EQ(this->names(this->scan(*src)), std::vector<std::string>{"two.csv"});
  EXPECT_EQ(this->names(this->scan(*this->source())), std::vector<std::string>{"two.csv"}) << "after a restart";
  ASSERT_TRUE(src->complete(units[1]).has_value());
  EXPECT_TRUE(this->scan(*src).empty());
}

// ---- both sides -----------------------------------------------------------------------

TYPED_TEST_P(AdapterConformance, EndToEndReproducesTheUnitByteForByte) {
  RENKEI_NEED_SOURCE(src);
  RENKEI_NEED_SINK(snk);
  std::vector<Sample> all = samples();
  std::string big;  // lines around and above the readers' 1 MiB buffers
  for (int i = 0; i < 40; ++i) big += std::string(static_cast<std::size_t>(i) * 37'000, static_cast<char>('a' + i % 26)) + "\r\n";
  big += std::string(1'500'000, 'Z');
  all.push_back({"large", big});
  std::map<std::string, std::string> expected;  // batch id → bytes
  for (const auto& s : all) {
    SCOPED_TRACE(s.label);
    const std::string name = s.label + ".dat";
    this->driver_.inject(this->cat_, this->from(), kRoute, name, s.bytes);
    auto units = this->scan(*src);
    ASSERT_EQ(units.size(), 1u);
    const auto& unit = units[0];
    // As the router does it: skip if delivered, else begin, append each record, commit.
    SinkBatchInfo batch{unit.route_id, unit.batch_id, ""};
    auto d = snk->delivered(batch);
    ASSERT_TRUE(d.has_value());
    ASSERT_FALSE(*d);
    auto out = snk->begin(batch);
    ASSERT_TRUE(out.has_value()) << out.error().detail;
    auto end = src->read(unit, [&](std::string_view rec) { return (*out)->append(rec).has_value(); });
    ASSERT_TRUE(end.has_value()) << end.error().detail;
    auto c = (*out)->commit(*BatchEnd::parse(end->format()));
    ASSERT_TRUE(c.has_value()) << c.error().kind << ": " << c.error().detail;
    ASSERT_TRUE(src->complete(unit).has_value());
    expected[unit.batch_id] = s.bytes;
    d = snk->delivered(batch);
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(*d);
  }
  EXPECT_TRUE(this->scan(*src).empty());
  auto got = this->delivered();
  ASSERT_EQ(got.size(), expected.size());
  std::multiset<std::string> want, have;
  for (const auto& [k, v] : expected) want.insert(v);
  for (const auto& [k, v] : got) have.insert(v);
  EXPECT_TRUE(want == have) << "delivered bytes differ from the units";
  EXPECT_EQ(this->leftovers(), std::vector<std::string>{});
}

REGISTER_TYPED_TEST_SUITE_P(AdapterConformance, OpenCreatesWhatItNeeds, SinkDeliversExactlyTheBytesOnce,
                            DeliveredIsFalseBeforeAndTrueAfterCommit, RepeatedCommitOfTheSameBatchStillGivesOneOutput,
                            CommitWithWrongCountFailsAndLeavesNothing, CommitWithWrongChecksumFailsAndLeavesNothing,
                            AbortLeavesNothingVisible, ReplayReturnsTheAppendedRecordsInOrder,
                            ReplayKeepsTrailingEmptyRecords, CrashAfterRecordingFinishesThePublish,
                            CrashMidBatchIsRebuiltFromScratch, EventIsDeliveredOnceUnderItsId,
                            ScanOffersOnlyCompleteUnitsOldestFirst,
                            ReadYieldsRecordsAndAMatchingEndMarker, ReadCanStopEarlyWithoutAnEndMarker,
                            BatchIdIsStableAndChangesWithNewContent, CompleteRemovesTheUnitFromLaterScans,
                            EndToEndReproducesTheUnitByteForByte);

#undef RENKEI_NEED_SOURCE
#undef RENKEI_NEED_SINK

}  // namespace renkei::conformance
