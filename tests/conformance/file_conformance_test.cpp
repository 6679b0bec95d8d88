// The `file` kind in the adapter conformance suite, once per readiness mode, plus what
// only the file kind promises (names, processed/, done markers, the ledger).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "adapter_conformance.hpp"
#include "file/file_adapter.hpp"

namespace renkei::conformance {
namespace {

enum class Ready { Rename, DoneMarker };

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The file kind: a unit is a file in <outbox>/<NNN>/; the sink delivers into <inbox>/<NNN>/
// and keeps a ledger under <state_dir>/delivered/<system>/<NNN>/.
template <Ready R>
class FileDriver : public AdapterDriver {
 public:
  static std::string name() { return R == Ready::Rename ? "rename" : "done_marker"; }
  std::string kind() const override { return "file"; }

  std::map<std::string, std::string> settings(const std::string& system_id, const fs::path& root) override {
    return {{"outbox", (root / "spool" / system_id / "outbox").string()},
            {"inbox", (root / "spool" / system_id / "inbox").string()},
            {"format", "lines"},
            {"ready", R == Ready::Rename ? "rename" : "done-marker"}};
  }

  Split split(std::string_view unit) const override { return split_lines(unit); }

  void inject(const Catalogue&, const SystemDef& source, int route_id, const std::string& unit_name,
              std::string_view bytes) override {
    const fs::path dir = adapters::route_dir(source.adapter.settings.at("outbox"), route_id);
    fs::create_directories(dir);
    // Each injected file is one second newer than the one before.
    const auto mtime = fs::file_time_type::clock::now() - std::chrono::hours(24) + std::chrono::seconds(++injected_);
    if constexpr (R == Ready::Rename) {
      // As a well-behaved system does: write under a temp name, then rename into place.
      const fs::path temp = dir / ("." + unit_name + ".part");
      write_bytes(temp, bytes);
      fs::last_write_time(temp, mtime);
      fs::rename(temp, dir / unit_name);
    } else {
      write_bytes(dir / unit_name, bytes);
      fs::last_write_time(dir / unit_name, mtime);
      write_bytes(dir / (unit_name + ".done"), "");
    }
  }

  std::vector<std::string> inject_not_ready(const Catalogue&, const SystemDef& source, int route_id) override {
    const fs::path dir = adapters::route_dir(source.adapter.settings.at("outbox"), route_id);
    fs::create_directories(dir);
    std::vector<std::string> made;
    auto put = [&](const std::string& n, std::string_view bytes) {
      write_bytes(dir / n, bytes);
      made.push_back(n);
    };
    put(".being-written.csv", "1\n2\n");        // temp name: starts with '.'
    put(".hidden.csv", "x\n");
    put(".hidden.csv.done", "");                 // a marker does not make a dot-file a unit
    put("orphan.csv.done", "");                  // a marker alone is not data
    put("report.done", "looks like data\n");     // *.done is never data
    fs::create_directories(dir / "subdir.csv");  // not a regular file
    made.push_back("subdir.csv/");
    if constexpr (R == Ready::DoneMarker) put("waiting.csv", "no marker yet\n");
    // Outside the route's folder: a route this system does not have, and the outbox root.
    const std::string outbox = source.adapter.settings.at("outbox");
    fs::create_directories(adapters::route_dir(outbox, route_id + 1));
    write_bytes(fs::path(adapters::route_dir(outbox, route_id + 1)) / "other-route.csv", "o\n");
    write_bytes(fs::path(outbox) / "root.csv", "r\n");
    made.push_back("../other-route.csv");
    made.push_back("../root.csv");
    return made;
  }

  std::vector<std::string> missing_after_open(const Catalogue&, const SystemDef& source, const SystemDef& sink,
                                              int route_id) override {
    std::vector<std::string> missing;
    for (const fs::path& d : {fs::path(adapters::route_dir(source.adapter.settings.at("outbox"), route_id)),
                              fs::path(adapters::route_dir(source.adapter.settings.at("outbox"), route_id)) / "processed",
                              fs::path(adapters::route_dir(sink.adapter.settings.at("inbox"), route_id))})
      if (!fs::is_directory(d)) missing.push_back(d.string());
    return missing;
  }

  std::map<std::string, std::string> delivered(const Catalogue&, const SystemDef& sink, int route_id) override {
    std::map<std::string, std::string> out;
    const fs::path dir = adapters::route_dir(sink.adapter.settings.at("inbox"), route_id);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      auto n = e.path().filename().string();
      if (n.starts_with('.') || !e.is_regular_file()) continue;
      out[n] = read_bytes(e.path());
    }
    return out;
  }

  std::vector<std::string> leftovers(const Catalogue& cat, const SystemDef& sink, int route_id) override {
    std::vector<std::string> out;
    for (const fs::path& dir : {fs::path(adapters::route_dir(sink.adapter.settings.at("inbox"), route_id)),
                                fs::path(ledger_dir(cat, sink, route_id))})
      for (const auto& n : listing(dir))
        if (n.starts_with('.')) out.push_back((dir / n).string());
    return out;
  }

  bool simulate_crash_after_record(const Catalogue& cat, const SystemDef& sink, const SinkBatchInfo& batch,
                                   const std::string& unit_name, std::string_view bytes) override {
    // Steps 1 and 2 of the sink's protocol done, step 3 (rename) not: the temp file is
    // complete and fsynced, the ledger names the final file.
    const fs::path dir = adapters::route_dir(sink.adapter.settings.at("inbox"), batch.route_id);
    fs::create_directories(dir);
    write_bytes(dir / ("." + batch.batch_id + ".tmp"), bytes);
    const fs::path ledger = ledger_dir(cat, sink, batch.route_id);
    fs::create_directories(ledger);
    write_bytes(ledger / batch.batch_id, adapters::delivered_name(batch.batch_id, unit_name));
    return true;
  }

  bool simulate_crash_mid_batch(const Catalogue&, const SystemDef& sink, const SinkBatchInfo& batch,
                                std::string_view partial) override {
    const fs::path dir = adapters::route_dir(sink.adapter.settings.at("inbox"), batch.route_id);
    fs::create_directories(dir);
    write_bytes(dir / ("." + batch.batch_id + ".tmp"), partial);
    return true;
  }

  static std::string ledger_dir(const Catalogue& cat, const SystemDef& sink, int route_id) {
    return adapters::route_dir((fs::path(cat.hub.state_dir) / "delivered" / sink.id).string(), route_id);
  }

 private:
  int injected_ = 0;
};

}  // namespace

// Named (not in the anonymous namespace) so test listings read well.
class FileRenameDriver final : public FileDriver<Ready::Rename> {};
class FileDoneMarkerDriver final : public FileDriver<Ready::DoneMarker> {};

using FileDrivers = ::testing::Types<FileRenameDriver, FileDoneMarkerDriver>;
INSTANTIATE_TYPED_TEST_SUITE_P(File, AdapterConformance, FileDrivers, DriverNames);

// ---- what only the file kind promises -----------------------------------------------------

namespace {

class FileAdapter : public AdapterConformance<FileRenameDriver> {
 protected:
  fs::path outbox() const { return adapters::route_dir(from().adapter.settings.at("outbox"), kRoute); }
  fs::path inbox() const { return adapters::route_dir(to().adapter.settings.at("inbox"), kRoute); }
  fs::path ledger() const { return FileRenameDriver::ledger_dir(cat_, to(), kRoute); }
};

class FileAdapterDoneMarker : public AdapterConformance<FileDoneMarkerDriver> {
 protected:
  fs::path outbox() const { return adapters::route_dir(from().adapter.settings.at("outbox"), kRoute); }
};

TEST_F(FileAdapter, RegistryMakesFileAdapters) {
  EXPECT_NE(make_source(from(), cat_), nullptr);
  EXPECT_NE(make_sink(to(), cat_), nullptr);
  SystemDef other = from();
  other.adapter.kind = "no-such-kind";
  EXPECT_EQ(make_source(other, cat_), nullptr);
  EXPECT_EQ(make_sink(other, cat_), nullptr);
}

TEST_F(FileAdapter, ABatchIdThatIsNotOneIsRefusedBeforeAnyFileIsTouched) {
  auto snk = sink();
  for (const std::string& id : std::vector<std::string>{"../../etc/x", "/tmp/abs", "a\r\nb", ".x"}) {
    SCOPED_TRACE(id);
    auto d = snk->delivered(info(id));
    ASSERT_FALSE(d.has_value()) << "a hostile id looked up in the ledger";
    EXPECT_FALSE(d.error().transient);
    EXPECT_EQ(d.error().kind, "bad-header");
    auto b = snk->begin(info(id));
    ASSERT_FALSE(b.has_value()) << "a hostile id opened a temp file";
    EXPECT_FALSE(b.error().transient);
  }
  EXPECT_FALSE(fs::exists("/tmp/abs.tmp"));
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(FileAdapter, OutputIsNamedAfterTheBatchAndRecordedInTheLedger) {
  auto snk = sink();
  const std::string id = "20260201T010203Z-0123456789abcdef";
  deliver(*snk, info(id), "a\nb\n", "JUKI_0201.csv");
  const std::string final_name = adapters::delivered_name(id, "JUKI_0201.csv");
  EXPECT_EQ(final_name, id + "_JUKI_0201.csv");
  EXPECT_EQ(listing(inbox()), std::vector<std::string>{final_name});
  EXPECT_EQ(read_bytes(inbox() / final_name), "a\nb\n");
  EXPECT_EQ(read_bytes(ledger() / id), final_name);
}

// The crash window rebuilt from what the sink itself wrote: deliver, then put the output
// back under its temp name (the state after step 2, before step 3) and restart.
TEST_F(FileAdapter, CrashWindowRecoveryWithTheSinksOwnLedger) {
  for (const std::string& source_name : {std::string("JUKI_0204.csv"), std::string("a;b=c d.csv"),
                                        std::string("住民異動 20260204.csv")}) {
    SCOPED_TRACE(source_name);
    const std::string id = "20260204T000000Z-" + sha256_hex(source_name).substr(0, 16);
    const std::string bytes = "r1\nr2";
    {
      auto snk = sink();
      deliver(*snk, info(id), bytes, source_name);
    }
    const std::string final_name = adapters::delivered_name(id, source_name);
    ASSERT_TRUE(fs::exists(inbox() / final_name));
    fs::rename(inbox() / final_name, inbox() / ("." + id + ".tmp"));
    auto fresh = sink();
    auto d = fresh->delivered(info(id));
    ASSERT_TRUE(d.has_value()) << d.error().detail;
    EXPECT_TRUE(*d);
    EXPECT_EQ(read_bytes(inbox() / final_name), bytes);
    EXPECT_FALSE(fs::exists(inbox() / ("." + id + ".tmp")));
  }
}

TEST_F(FileAdapter, CompleteMovesTheFileToProcessed) {
  auto src = source();
  driver_.inject(cat_, from(), kRoute, "move.csv", "m1\nm2\n");
  auto units = scan(*src);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].path, (outbox() / "move.csv").string());
  ASSERT_TRUE(src->complete(units[0]).has_value());
  EXPECT_FALSE(fs::exists(outbox() / "move.csv"));
  const auto kept = outbox() / "processed" / adapters::delivered_name(units[0].batch_id, "move.csv");
  EXPECT_EQ(read_bytes(kept), "m1\nm2\n");
  EXPECT_TRUE(scan(*src).empty());
}

TEST_F(FileAdapter, InPlaceRewriteOfTheSameSizeIsANewBatch) {
  // No driver help: the system rewrites the file in place, same name and size, at once.
  auto src = source();
  fs::create_directories(outbox());
  write_bytes(outbox() / "same.csv", "AAAA\n");
  auto first = scan(*src);
  ASSERT_EQ(first.size(), 1u);
  write_bytes(outbox() / "same.csv", "BBBB\n");
  auto second = scan(*src);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(first[0].batch_id, second[0].batch_id)
      << "new content under the same name kept batch id " << first[0].batch_id
      << ": the target would skip it as delivered";
}

// The name in the end marker comes from whoever produced the batch: a name that could
// leave the inbox or break a log line is refused for good (DLQ), not retried.
TEST_F(FileAdapter, ANameThatIsNotASpoolNameIsRefusedForGood) {
  auto snk = sink();
  for (const std::string& name : std::vector<std::string>{"../escape.csv", "line\nbreak.csv", ".hidden", std::string(201, 'n')}) {
    SCOPED_TRACE(name);
    auto b = snk->begin(info("20260202T000000Z-00000000000000aa"));
    ASSERT_TRUE(b.has_value());
    ASSERT_TRUE((*b)->append("x").has_value());
    auto c = (*b)->commit(end_for("x\n", name));
    ASSERT_FALSE(c.has_value());
    EXPECT_FALSE(c.error().transient);
    EXPECT_EQ(c.error().kind, "bad-name");
    EXPECT_EQ(c.error().detail.find("escape"), std::string::npos) << "the name itself in the detail";
    (*b)->abort();
  }
  EXPECT_TRUE(delivered().empty());
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(inbox().parent_path() / "escape.csv"));
  auto d = snk->delivered(info("20260202T000000Z-00000000000000aa"));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d);
}

TEST_F(FileAdapter, FailedPublishAfterTheLedgerIsNotReportedAsDelivered) {
  // The rename (step 3) fails after the ledger entry (step 2) was written: e.g. the target
  // system made its inbox read-only for a moment. Here a directory squats on the final name.
  auto snk = sink();
  const std::string id = "20260203T000000Z-00000000000000bb";
  const std::string final_name = adapters::delivered_name(id, "blocked.csv");
  fs::create_directories(inbox() / final_name / "squatter");
  {
    auto b = snk->begin(info(id));
    ASSERT_TRUE(b.has_value());
    ASSERT_TRUE((*b)->append("must").has_value());
    ASSERT_TRUE((*b)->append("arrive").has_value());
    auto c = (*b)->commit(end_for("must\narrive\n", "blocked.csv"));
    ASSERT_FALSE(c.has_value()) << "rename onto a directory succeeded?";
    EXPECT_TRUE(c.error().transient) << c.error().detail;
    (*b)->abort();  // what the router's back-off does with a transient failure
  }
  fs::remove_all(inbox() / final_name);  // the obstacle goes away; the router retries
  auto d = snk->delivered(info(id));
  ASSERT_TRUE(d.has_value());
  const bool output_exists = fs::exists(inbox() / final_name);
  EXPECT_FALSE(*d && !output_exists) << "delivered() says true but nothing was published";
  if (*d) {
    EXPECT_EQ(read_bytes(inbox() / final_name), "must\narrive\n");
  } else {
    deliver(*snk, info(id), "must\narrive\n", "blocked.csv");
    EXPECT_EQ(read_bytes(inbox() / final_name), "must\narrive\n");
  }
}

TEST_F(FileAdapterDoneMarker, OnlyFilesWithAMarkerAreOffered) {
  auto src = source();
  fs::create_directories(outbox());
  write_bytes(outbox() / "late.csv", "l\n");
  EXPECT_TRUE(scan(*src).empty()) << "a file without its .done marker was offered";
  write_bytes(outbox() / "late.csv.done", "");
  auto units = scan(*src);
  ASSERT_EQ(names(units), std::vector<std::string>{"late.csv"});
  // complete() takes the marker away with the file.
  ASSERT_TRUE(src->complete(units[0]).has_value());
  EXPECT_FALSE(fs::exists(outbox() / "late.csv"));
  EXPECT_FALSE(fs::exists(outbox() / "late.csv.done"));
  EXPECT_TRUE(scan(*src).empty());
}

TEST_F(FileAdapter, ScanFailsCleanlyWhenTheOutboxIsGone) {
  auto src = source();
  fs::remove_all(outbox());
  auto units = src->scan();
  if (units.has_value()) {
    EXPECT_TRUE(units->empty());
  } else {
    EXPECT_TRUE(units.error().transient) << "a missing spool folder is an environment problem, not a bad record";
  }
}

// ---- hostile spools: regular files only, names checked first -----------------------------

// What the source reports through take_refusals(): per reason, each entry once.
std::map<std::string, int> refusal_counts(Source& src, int route) {
  std::map<std::string, int> out;
  for (const auto& r : src.take_refusals()) {
    EXPECT_EQ(r.route_id, route);
    EXPECT_GT(r.count, 0u);
    out[std::string(to_string(r.reason))] += static_cast<int>(r.count);
  }
  return out;
}

TEST_F(FileAdapter, OnlyRegularFilesWithValidNamesAreOfferedTheRestIsReportedOnce) {
  auto src = source();
  fs::create_directories(outbox());
  const fs::path canary = dir_.path() / "outside" / "canary.csv";
  fs::create_directories(canary.parent_path());
  write_bytes(canary, "CANARY-SECRET\n");
  fs::create_symlink(canary, outbox() / "link.csv");
  ASSERT_EQ(::mkfifo((outbox() / "pipe.csv").c_str(), 0600), 0);
  fs::create_directories(outbox() / "folder.csv");
  write_bytes(outbox() / "bad\xff\xfe.csv", "b\n");
  write_bytes(outbox() / "ctl\x01.csv", "c\n");
  write_bytes(outbox() / std::string(201, 'n'), "l\n");
  driver_.inject(cat_, from(), kRoute, "good.csv", "g1\ng2\n");

  auto units = scan(*src);  // a FIFO must not hang this
  ASSERT_EQ(names(units), std::vector<std::string>{"good.csv"});
  EXPECT_EQ(refusal_counts(*src, kRoute),
            (std::map<std::string, int>{{"bad-name", 3}, {"directory", 1}, {"fifo", 1}, {"symlink", 1}}));
  // Not on every scan: once per entry.
  ASSERT_EQ(names(scan(*src)), std::vector<std::string>{"good.csv"});
  EXPECT_TRUE(refusal_counts(*src, kRoute).empty());

  std::string got;
  auto end = src->read(units[0], [&](std::string_view r) {
    got.append(r).append("\n");
    return true;
  });
  ASSERT_TRUE(end.has_value()) << end.error().detail;
  EXPECT_EQ(got, "g1\ng2\n");
  ASSERT_TRUE(src->complete(units[0]).has_value());

  // Refused entries stay where they are, untouched; nothing went to processed/ but good.csv.
  EXPECT_TRUE(fs::is_symlink(outbox() / "link.csv"));
  EXPECT_TRUE(fs::is_fifo(outbox() / "pipe.csv"));
  EXPECT_TRUE(fs::is_directory(outbox() / "folder.csv"));
  EXPECT_EQ(read_bytes(outbox() / "bad\xff\xfe.csv"), "b\n");
  EXPECT_EQ(read_bytes(canary), "CANARY-SECRET\n");
  EXPECT_EQ(listing(outbox() / "processed"),
            std::vector<std::string>{adapters::delivered_name(units[0].batch_id, "good.csv")});

  // An entry put back (a new inode: written beside it, then renamed over) is reported again.
  write_bytes(outbox() / ".ctl.tmp", "c2\n");
  fs::rename(outbox() / ".ctl.tmp", outbox() / "ctl\x01.csv");
  scan(*src);
  EXPECT_EQ(refusal_counts(*src, kRoute), (std::map<std::string, int>{{"bad-name", 1}}));
}

TEST_F(FileAdapter, AFileSwappedForASymlinkAfterTheScanIsNotRead) {
  auto src = source();
  const fs::path canary = dir_.path() / "outside" / "canary.csv";
  fs::create_directories(canary.parent_path());
  write_bytes(canary, "CANARY-SECRET\n");
  driver_.inject(cat_, from(), kRoute, "swap.csv", "s\n");
  auto units = scan(*src);
  ASSERT_EQ(names(units), std::vector<std::string>{"swap.csv"});
  fs::create_symlink(canary, outbox() / ".swap.tmp");
  fs::rename(outbox() / ".swap.tmp", outbox() / "swap.csv");
  std::string got;
  auto end = src->read(units[0], [&](std::string_view r) {
    got.append(r);
    return true;
  });
  EXPECT_FALSE(end.has_value());
  EXPECT_EQ(got, "");
  EXPECT_EQ(refusal_counts(*src, kRoute), (std::map<std::string, int>{{"swapped", 1}}));
}

TEST_F(FileAdapter, AFileSwappedForAFifoAfterTheScanDoesNotHangTheRead) {
  auto src = source();
  driver_.inject(cat_, from(), kRoute, "pipe.csv", "p\n");
  auto units = scan(*src);
  ASSERT_EQ(names(units), std::vector<std::string>{"pipe.csv"});
  fs::remove(outbox() / "pipe.csv");
  ASSERT_EQ(::mkfifo((outbox() / "pipe.csv").c_str(), 0600), 0);
  auto end = src->read(units[0], [](std::string_view) { return true; });
  EXPECT_FALSE(end.has_value());
  EXPECT_EQ(refusal_counts(*src, kRoute), (std::map<std::string, int>{{"swapped", 1}}));
}

TEST_F(FileAdapter, RefusalsAreTalliedPerSourceAndReasonAndTakenOnce) {
  auto src = source();
  auto other = source();  // another instance (another hub in the same process) on the same spool
  fs::create_directories(outbox());
  for (int i = 0; i < 300; ++i) fs::create_directories(outbox() / ("dir" + std::to_string(i) + ".csv"));
  scan(*src);
  auto taken = src->take_refusals();
  // 300 entries, one tally: what waits does not grow with the number of refused entries.
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0], (SpoolRefusal{kRoute, SpoolRefusalReason::Directory, 300}));
  EXPECT_TRUE(src->take_refusals().empty()) << "taken once";
  EXPECT_TRUE(other->take_refusals().empty()) << "one source's refusals are not another's";
  scan(*other);
  EXPECT_EQ(refusal_counts(*other, kRoute), (std::map<std::string, int>{{"directory", 300}}));
  // Every reason the file source reports is declared, so the hub can export each at 0.
  const auto declared = src->refusal_reasons();
  for (SpoolRefusalReason r : kSpoolRefusalReasons)
    EXPECT_NE(std::find(declared.begin(), declared.end(), r), declared.end()) << to_string(r);
}

}  // namespace
}  // namespace renkei::conformance
