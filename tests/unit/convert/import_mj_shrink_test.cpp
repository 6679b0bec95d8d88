// renkeictl codemap import-mj-shrink: the MJ縮退マップ's JSON layout → the six-column
// shrink table, which then loads and decides as the map's 順位 and ホップ数 say. Bad input
// is refused naming content[N] and the key, without repeating the value.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/convert_command.hpp"
#include "renkei/convert/codemaps.hpp"
#include "support/temp_dir.hpp"

namespace renkei::testing {
namespace {

std::vector<std::string> data_rows(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);)
    if (!line.starts_with("#")) rows.push_back(line);
  return rows;
}

// The map's own layout, with keys the importer does not know at every level.
constexpr const char* kMap = R"({
  "version": "1.2.0", "notes": ["sample"],
  "content": [
    {"MJ文字図形名": "MJ000001", "参考情報": "x",
     "JIS包摂規準・UCS統合規則": [{"JIS X 0213": "1-14-21", "UCS": "U+5409"}],
     "法務省告示582号別表第四": [{"表": "一", "順位": 1, "UCS": "U+5409"}, {"表": "一", "順位": "2", "UCS": "U+5406"},
                                  {"表": "二", "順位": "第3順位", "UCS": "U+540C"}],
     "法務省戸籍法関連通達・通知": [{"種別": "親字・正字", "ホップ数": 1, "UCS": "U+5409"},
                                     {"種別": "誤字俗字・正字一覧表", "ホップ数": "2", "UCS": "U+5406"},
                                     {"種別": "誤字俗字・正字一覧表", "ホップ数": "1", "付記": "別字", "UCS": "U+5408"}],
     "辞書類等による関連字": [{"UCS": "U+5406"}],
     "読み・字形による類推": [{"UCS": "U+5409"}, {"JIS X 0213": "1-14-22"}]},
    {"MJ文字図形名": "MJ000002", "実装したUCS": "U+9AD9",
     "JIS包摂規準・UCS統合規則": [{"UCS": "U+9AD9"}],
     "法務省告示582号別表第四": [{"表": "一", "順位": 1, "UCS": "U+9AD8"}, {"表": "二", "順位": 2, "UCS": "U+9AD8"}]},
    {"MJ文字図形名": "MJ000003", "読み・字形による類推": null},
    {"MJ文字図形名": "MJ000004", "実装したUCS": "U+F0001",
     "読み・字形による類推": [{"UCS": "U+5C71"}, {"UCS": "U+5C72"}]}
  ]})";

class ImportMjShrink : public ::testing::Test {
 protected:
  int import(const std::string& json, std::string* stderr_text = nullptr) {
    std::ofstream(dir / "map.json", std::ios::binary) << json;
    std::ostringstream out, err;
    const int rc = cli::cmd_codemap_import_mj_shrink(dir / "map.json", dir / "mj.tsv", out, err);
    last_err = err.str();
    if (stderr_text) *stderr_text = last_err;
    return rc;
  }
  TempDir dir;
  std::string last_err;
};

TEST_F(ImportMjShrink, TheOfficialLayoutBecomesRankedRows) {
  ASSERT_EQ(import(kMap), 0) << last_err;
  EXPECT_EQ(data_rows(dir / "mj.tsv"), (std::vector<std::string>{
                                           "from\tmj\tto\tscheme\trank\thops",
                                           "-\tMJ000001\tU+5409\tjis-ucs\t-\t-",
                                           "-\tMJ000001\tU+5409\tkoseki\t-\t1",
                                           "-\tMJ000001\tU+5406\tkoseki\t-\t2",
                                           "-\tMJ000001\tU+5409\tkokuji582\t1\t-",
                                           "-\tMJ000001\tU+5406\tkokuji582\t2\t-",
                                           "-\tMJ000001\tU+540C\tkokuji582\t3\t-",
                                           "U+9AD9\tMJ000002\tU+9AD8\tkokuji582\t1\t-",
                                           "-\tMJ000001\tU+5409\truisui\t-\t-",
                                           "-\tMJ000004\tU+5C71\truisui\t-\t-",
                                           "-\tMJ000004\tU+5C72\truisui\t-\t-",
                                       }));
  std::ifstream in(dir / "mj.tsv");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("from map.json\n# (MJ縮退マップ, 文字情報基盤 (CC BY-SA); keep this attribution"),
            std::string::npos)
      << text.str();
  EXPECT_NE(last_err.find(": 4 entries read, 10 rows written (jis-ucs 1, koseki 2, kokuji582 4, ruisui 3)"),
            std::string::npos)
      << last_err;
  EXPECT_NE(last_err.find("skipped 1 candidates that are their source, 1 without a UCS, 1 戸籍 candidates marked 別字; "
                          "1 sources in the private-use area"),
            std::string::npos)
      << last_err;
  EXPECT_NE(last_err.find("1 repeated candidates merged"), std::string::npos) << last_err;
  EXPECT_NE(last_err.find("辞書類等による関連字 not imported (1 entries carry it"), std::string::npos) << last_err;

  // What it writes loads, and its ranks decide.
  auto t = ShrinkTable::load(dir / "mj.tsv", "codemaps/shrink/mj.tsv");
  ASSERT_TRUE(t.has_value()) << t.error().items()[0].str();
  EXPECT_EQ(t->schemes(), (std::vector<std::string>{"jis-ucs", "koseki", "kokuji582", "ruisui"}));
  auto all = [](std::u32string_view) { return true; };
  auto no_5409 = [](std::u32string_view s) { return s != U"\u5409"; };
  ShrinkChoice c = t->choose(U"", "MJ000001", {"kokuji582"}, no_5409);
  ASSERT_EQ(c.kind, ShrinkChoice::Kind::One);
  EXPECT_EQ(*c.to, U"\u5406") << "順位 2 once 順位 1 does not fit";
  c = t->choose(U"", "MJ000001", {"koseki"}, no_5409);
  ASSERT_EQ(c.kind, ShrinkChoice::Kind::One);
  EXPECT_EQ(*c.to, U"\u5406") << "the 別字 U+5408 is no candidate";
  c = t->choose(U"\u9AD9", "", {}, all);
  ASSERT_EQ(c.kind, ShrinkChoice::Kind::One);
  EXPECT_EQ(*c.to, U"\u9AD8");
  EXPECT_EQ(t->choose(U"", "MJ000004", {}, all).kind, ShrinkChoice::Kind::Ambiguous);
}

TEST_F(ImportMjShrink, WrongTypesAreRefusedWithTheEntryAndKey) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::string ok = R"({"MJ文字図形名": "MJ000001"}, )";
  const std::vector<Case> cases = {
      {R"([1])", "the top level is not an object"},
      {R"({"version": 1})", "no content array"},
      {R"({"content": {"MJ文字図形名": "MJ000001"}})", "content: expected an array"},
      {R"({"content": [)" + ok + R"("秘密"]})", "content[1]: expected an object"},
      {R"({"content": [)" + ok + R"({"読み": "秘密"}]})", "content[1]: no MJ文字図形名"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": 123}]})", "content[1].MJ文字図形名: expected a string"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "秘密"}]})", "content[1].MJ文字図形名: not an MJ文字図形名"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000001"}]})",
       "content[1].MJ文字図形名: MJ000001 is also content[0]"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "実装したUCS": 20}]})",
       "content[1].実装したUCS: expected a string"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "UCS": "秘密"}]})",
       "content[1].UCS: not a U+XXXX sequence"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "JIS包摂規準・UCS統合規則": {"UCS": "U+5409"}}]})",
       "content[1].JIS包摂規準・UCS統合規則: expected an array"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "読み・字形による類推": ["秘密"]}]})",
       "content[1].読み・字形による類推[0]: expected an object"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "読み・字形による類推": [{"UCS": 22531}]}]})",
       "content[1].読み・字形による類推[0].UCS: expected a string"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "読み・字形による類推": [{"UCS": "秘密"}]}]})",
       "content[1].読み・字形による類推[0].UCS: not a U+XXXX sequence"},
      {R"({"content": [)" + ok +
           R"({"MJ文字図形名": "MJ000002", "法務省告示582号別表第四": [{"UCS": "U+5409", "順位": 1}, {"UCS": "U+5406", "順位": "秘密"}]}]})",
       "content[1].法務省告示582号別表第四[1].順位: expected a whole number, a string of digits or 第N順位"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "法務省告示582号別表第四": [{"UCS": "U+5406", "順位": 1.5}]}]})",
       "content[1].法務省告示582号別表第四[0].順位: expected a whole number"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "法務省告示582号別表第四": [{"UCS": "U+5406", "順位": true}]}]})",
       "content[1].法務省告示582号別表第四[0].順位: expected a whole number"},
      {R"({"content": [)" + ok +
           R"({"MJ文字図形名": "MJ000002", "法務省戸籍法関連通達・通知": [{"UCS": "U+5406", "ホップ数": -1}]}]})",
       "content[1].法務省戸籍法関連通達・通知[0].ホップ数: the number is negative"},
      {R"({"content": [)" + ok +
           R"({"MJ文字図形名": "MJ000002", "法務省戸籍法関連通達・通知": [{"UCS": "U+5406", "ホップ数": "第1順位"}]}]})",
       "content[1].法務省戸籍法関連通達・通知[0].ホップ数: expected a whole number or a string of digits"},
      {R"({"content": [)" + ok +
           R"({"MJ文字図形名": "MJ000002", "法務省戸籍法関連通達・通知": [{"UCS": "U+5406", "付記": ["秘密"]}]}]})",
       "content[1].法務省戸籍法関連通達・通知[0].付記: expected a string"},
      {R"({"content": [)" + ok + R"({"MJ文字図形名": "MJ000002", "読み・字形による類推": [{"UCS": "U+E000"}]}]})",
       "content[1].読み・字形による類推[0].UCS: a private-use code point"},
      {R"({"content": [{"MJ文字図形名": "秘密")", "not JSON: syntax error at byte"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    std::remove((dir / "mj.tsv").c_str());
    std::string err;
    EXPECT_EQ(import(c.json, &err), 1);
    EXPECT_NE(err.find((dir / "map.json") + ": " + c.message), std::string::npos) << err;
    EXPECT_EQ(err.find("秘密"), std::string::npos) << "the value is not repeated: " << err;
    EXPECT_FALSE(std::filesystem::exists(dir / "mj.tsv")) << "nothing is written";
  }
}

// The subcommand as an operator runs it; without -o the table goes to stdout.
TEST_F(ImportMjShrink, TheSubcommandIsRegistered) {
  std::ofstream(dir / "map.json") << kMap;
  const std::string file = dir / "map.json";
  const char* argv[] = {"renkeictl", "codemap", "import-mj-shrink", file.c_str()};
  std::ostringstream out, err;
  ASSERT_EQ(cli::run(4, argv, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("from\tmj\tto\tscheme\trank\thops\n-\tMJ000001\tU+5409\tjis-ucs\t-\t-\n"), std::string::npos)
      << out.str();
  EXPECT_NE(err.str().find("10 rows written"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace renkei::testing
