// renkeictl's exit codes, run in-process.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/history_command.hpp"

namespace renkei {
namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run(std::vector<const char*> args) {
  args.insert(args.begin(), "renkeictl");
  std::ostringstream out, err;
  int code = cli::run(static_cast<int>(args.size()), args.data(), out, err);
  return {code, out.str(), err.str()};
}

// What the hub answers is outside input to the operator's terminal.
TEST(Cli, AHistoryLineEscapesControlBytesAndIgnoresMistypedFields) {
  auto e = nlohmann::json::parse(R"({"kind":"batch","finished_at":"2026-12-08T10:00:00+09:00","interface":"005",
    "outcome":"held","file":"A\u001b]0;pwned\u0007.csv","records":"many","bytes":12,"sha256":"ab",
    "operator":"x\ny","reason":"bad-record: \u001b[2J"})");
  std::ostringstream out;
  cli::print_history_line(e, out);
  const std::string line = out.str();
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_EQ(line.find('\x07'), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_NE(line.find("A\\x1B]0;pwned\\x07.csv"), std::string::npos) << line;
  EXPECT_NE(line.find("0 records  12 bytes"), std::string::npos) << line;
  EXPECT_NE(line.find("by x\\x0Ay"), std::string::npos) << line;
}

TEST(Cli, ExitCodes) {
  EXPECT_EQ(run({}).code, 2);
  EXPECT_EQ(run({"frobnicate"}).code, 2);
  EXPECT_EQ(run({"validate", "--nope"}).code, 2);
  EXPECT_EQ(run({"import-seed"}).code, 2);
  EXPECT_EQ(run({"--config", "/nonexistent", "validate"}).code, 1);
  EXPECT_EQ(run({"--config", RENKEI_SOURCE_DIR "/config", "validate"}).code, 0);
  EXPECT_EQ(run({"validate", "--config", RENKEI_SOURCE_DIR "/config"}).code, 0);
}

TEST(Cli, HelpOnEverySubcommand) {
  for (const char* sub : {"validate", "interfaces", "systems", "import-seed", "adapter-kinds"}) {
    auto r = run({sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
  }
  EXPECT_EQ(run({"--help"}).code, 0);
}

TEST(Cli, ValidatePrintsOneSummaryLine) {
  auto r = run({"--config", RENKEI_SOURCE_DIR "/config", "validate"});
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_NE(r.out.find("valid: 39 systems, 97 routes"), std::string::npos) << r.out;
}

TEST(Cli, AdapterKindsPrintsTheFileSchema) {
  auto r = run({"adapter-kinds", "--json"});
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("\"kind\": \"file\""), std::string::npos);
  EXPECT_NE(r.out.find("\"name\": \"outbox\""), std::string::npos);
}

}  // namespace
}  // namespace renkei
