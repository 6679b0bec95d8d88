// Fuzzes the layout parser of config/layouts/*.yaml (load_layout_dir): the input is
// written as the one layout file of a directory and loaded. Checks:
//  - no crash and no exception escapes, whatever the YAML;
//  - every diagnostic names the file as shown and a line that exists (0..lines + 1);
//  - a layout that loads without a diagnostic keeps the promises split_record relies
//    on (with diagnostics the catalogue is refused as a whole): csv delimiter and
//    quote are ASCII below 0x40 (never a CP932 trail byte, as record_fields.hpp says)
//    and differ; a fixed layout's fields tile [0, record_length) without gap or overlap,
//    each at least one byte; field names are unique and not empty; the key is a field;
//  - split_record with the loaded layout on the input itself stays in bounds.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>

#include "fuzz_support.hpp"
#include "renkei/catalogue/layout_loader.hpp"
#include "renkei/convert/record_fields.hpp"

namespace {

using namespace renkei;
namespace fs = std::filesystem;

const std::string& temp_dir() {
  static const std::string* p = [] {
    const char* dir = std::getenv("TMPDIR");
    auto* s = new std::string(std::string(dir && *dir ? dir : "/tmp") + "/renkei-fuzz-layouts-" +
                              std::to_string(::getpid()));
    fs::create_directories(*s);
    return s;
  }();
  return *p;
}

struct RemoveAtExit {
  ~RemoveAtExit() {
    std::error_code ec;
    fs::remove_all(temp_dir(), ec);
  }
} remove_at_exit;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = temp_dir() + "/fuzz.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    FUZZ_CHECK(out.good(), "cannot write " + path);
  }
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;

  std::map<std::string, LayoutDef> layouts;
  Diagnostics diags;
  load_layout_dir(temp_dir(), "config/layouts", layouts, diags);
  for (const auto& d : diags.items()) {
    FUZZ_CHECK(d.file == "config/layouts/fuzz.yaml", "diagnostic for file '" + d.file + "'");
    FUZZ_CHECK(d.line >= 0 && d.line <= lines + 1, "diagnostic at line " + std::to_string(d.line) + " of " +
                                                       std::to_string(lines) + ": " + d.message);
    FUZZ_CHECK(!d.message.empty(), "empty diagnostic");
  }
  FUZZ_CHECK(layouts.size() <= 1, "one file, more than one layout");
  if (layouts.empty()) {
    FUZZ_CHECK(!diags.empty(), "the layout was refused without a diagnostic");
    return 0;
  }
  const LayoutDef& l = layouts.begin()->second;
  FUZZ_CHECK(l.name == "fuzz", "layout named '" + l.name + "', not after its file");
  auto split_in_bounds = [&] {
    auto r = split_record(&l, text);
    if (!r) {
      FUZZ_CHECK(r.error().offset <= text.size(), "split_record error beyond the record");
    } else {
      for (const auto& f : *r)
        FUZZ_CHECK(f.offset <= text.size() && (f.quoted || f.bytes.size() <= text.size() - f.offset),
                   "field '" + f.name + "' beyond the record");
    }
  };
  // A file with problems may still leave a partial layout behind; the catalogue is then
  // refused as a whole (every diagnostic fails the load), so only a clean load promises.
  if (!diags.empty()) {
    split_in_bounds();
    return 0;
  }

  std::set<std::string> names;
  for (const auto& f : l.fields) {
    FUZZ_CHECK(!f.name.empty(), "a field without a name");
    FUZZ_CHECK(names.insert(f.name).second, "field '" + f.name + "' twice");
  }
  FUZZ_CHECK(l.key.empty() || names.contains(l.key), "key '" + l.key + "' is no field");

  if (l.format == LayoutFormat::Csv) {
    const auto d = static_cast<unsigned char>(l.delimiter), q = static_cast<unsigned char>(l.quote);
    // split_record's contract (record_fields.hpp): ASCII below 0x40 ('|' and '\' occur
    // inside CP932 characters), quote and delimiter distinct.
    {
      FUZZ_CHECK(d < 0x40 && q < 0x40, "csv layout loaded with delimiter " + fuzz::hex_bytes(std::string(1, l.delimiter)) +
                                           " and quote " + fuzz::hex_bytes(std::string(1, l.quote)));
      FUZZ_CHECK(d != q, "csv layout loaded with the quote equal to the delimiter");
    }
  }
  if (l.format == LayoutFormat::Fixed) {
    std::vector<const LayoutField*> sorted;
    for (const auto& f : l.fields) sorted.push_back(&f);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    std::size_t at = 0;
    for (const auto* f : sorted) {
      FUZZ_CHECK(f->length >= 1, "fixed field '" + f->name + "' of length 0");
      FUZZ_CHECK(f->offset == at, "fixed field '" + f->name + "' at " + std::to_string(f->offset) + ", expected " +
                                      std::to_string(at));
      at += f->length;
    }
    FUZZ_CHECK(l.record_length == at, "record_length " + std::to_string(l.record_length) + ", fields end at " +
                                          std::to_string(at));
    FUZZ_CHECK(!l.fields.empty(), "a fixed layout without fields");
  }

  split_in_bounds();
  return 0;
}
