#pragma once
// `renkeictl convert` and `renkeictl codemap …`: the conversion stage offline.
#include <iosfwd>
#include <string>

namespace renkei::cli {

struct ConvertOptions {
  std::string config;
  std::string profile;      // empty: the route's
  std::string from, to;     // ICU names; override the route's systems' charsets
  int route = 0;            // 0: none (then --from and --to are required)
  std::string in, out;
  std::string errors_file;  // collect every error here instead of stopping at the first
};

int cmd_convert(const ConvertOptions& o, std::ostream& out, std::ostream& err);

// Reads the MJ文字情報一覧表 (CSV or TSV as published, UTF-8) and writes the 住基ネット
//統一文字 table in codemaps/jukinet/unified.tsv form.
int cmd_codemap_import_mj(const std::string& file, const std::string& output, std::ostream& out, std::ostream& err);

// Reads the MJ縮退マップ (JSON as published) and writes a shrink table in the six-column
// codemaps/shrink/<name>.tsv form (schemes jis-ucs, koseki, kokuji582, ruisui).
int cmd_codemap_import_mj_shrink(const std::string& file, const std::string& output, std::ostream& out,
                                 std::ostream& err);

}  // namespace renkei::cli
