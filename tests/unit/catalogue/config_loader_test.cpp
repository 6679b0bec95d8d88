#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "renkei/catalogue/config_loader.hpp"

namespace fs = std::filesystem;

namespace renkei {
namespace {

// A throw-away config directory with a minimal valid catalogue, edited per test.
class ConfigDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("renkei-cfg-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("hub.yaml", "bus:\n  brokers: \"\"\nspool:\n  root: spool\n");
    write("systems.yaml",
          "systems:\n"
          "  - id: a\n    name: Aシステム\n    charset: UTF-8\n"
          "  - id: b\n    name: Bシステム\n    charset: ibm-943_P15A-2003\n"
          "    adapter:\n      kind: file\n      format: csv\n");
    routes_ =
        "routes:\n"
        "  - id: 1\n    name: x\n    from: a\n    to: b\n    method: auto\n    timing: realtime\n"
        "    external: false\n    conversion: none\n    topic: renkei.if.001\n"
        "  - id: 2\n    name: y\n    from: b\n    to: a\n    method: manual\n    timing: daily\n"
        "    external: true\n    conversion: utf8\n    topic: renkei.if.002\n"
        "    schedule:\n      cron: \"0 22 * * *\"\n      on_non_business_day: skip\n"
        "    listed: {left: a, arrow: ←, right: b}\n";
    write("routes.yaml", routes_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  void replace_in_routes(const std::string& from, const std::string& to) {
    auto pos = routes_.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    routes_.replace(pos, from.size(), to);
    write("routes.yaml", routes_);
  }
  std::vector<std::string> errors() {
    auto c = load_catalogue(dir_.string());
    std::vector<std::string> out;
    if (c) return out;
    for (const auto& d : c.error().sorted()) out.push_back(d.str());
    return out;
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  // A third system h that stands between a and b as a hop, as the GW server does.
  void add_hop_system() {
    write("systems.yaml",
          "systems:\n"
          "  - id: a\n    name: Aシステム\n    charset: UTF-8\n"
          "  - id: b\n    name: Bシステム\n    charset: ibm-943_P15A-2003\n"
          "  - id: h\n    name: GW\n    charset: UTF-8\n");
  }
  static std::vector<int> ids(const std::vector<const RouteDef*>& rs) {
    std::vector<int> out;
    for (const auto* r : rs) out.push_back(r->id);
    return out;
  }

  fs::path dir_;
  std::string routes_;
};

TEST_F(ConfigDir, LoadsTypedReadOnlyCatalogue) {
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << c.error().items().front().str();
  const Catalogue& cat = **c;
  ASSERT_EQ(cat.systems.size(), 2u);
  ASSERT_EQ(cat.routes.size(), 2u);
  EXPECT_EQ(cat.hub.bus.brokers, "");
  EXPECT_EQ(cat.hub.spool_root, (dir_ / "spool").string());
  EXPECT_EQ(cat.system("a")->adapter.settings.at("outbox"), (dir_ / "spool/a/outbox").string());
  EXPECT_EQ(cat.system("b")->adapter.settings.at("format"), "csv");
  EXPECT_EQ(cat.system("a")->adapter.settings.at("format"), "lines");
  EXPECT_EQ(cat.route(2)->listed.arrow, Arrow::Left);
  EXPECT_EQ(cat.route(2)->schedule->on_non_business_day, BusinessDayRule::Skip);
  EXPECT_EQ(cat.route(1)->dlq_topic(), "renkei.if.001.dlq");
  EXPECT_EQ(cat.routes_from("a").size(), 1u);
  EXPECT_EQ(cat.routes_to("a").at(0)->id, 2);
}

TEST_F(ConfigDir, AcceptsTheHubFileItselfAndARoutesDirectory) {
  fs::create_directories(dir_ / "routes");
  fs::rename(dir_ / "routes.yaml", dir_ / "routes" / "all.yaml");
  write("hub.yaml", "catalogue:\n  routes: routes\n");
  auto c = load_catalogue(file("hub.yaml"));
  ASSERT_TRUE(c) << c.error().items().front().str();
  EXPECT_EQ((*c)->routes.size(), 2u);
}

TEST_F(ConfigDir, ThreeMistakesGiveThreeLocatedErrors) {
  replace_in_routes("from: a\n    to: b", "from: zz\n    to: b");            // line 4
  replace_in_routes("timing: daily", "timing: dayly");                     // line 16
  replace_in_routes("topic: renkei.if.002", "topic: renkei.if.002!");      // line 19
  auto e = errors();
  ASSERT_EQ(e.size(), 3u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("routes.yaml") + ":4: route 1: field 'from': unknown system 'zz'");
  EXPECT_EQ(e[1], file("routes.yaml") +
                      ":16: route 2: field 'timing': unknown value 'dayly' (expected one of realtime, "
                      "daily, monthly, yearly, adhoc)");
  EXPECT_TRUE(e[2].starts_with(file("routes.yaml") + ":19: route 2: field 'topic': topic name")) << e[2];
}

TEST_F(ConfigDir, ScheduledRouteWithoutScheduleAndRealtimeWithOne) {
  replace_in_routes("    schedule:\n      cron: \"0 22 * * *\"\n      on_non_business_day: skip\n", "");
  replace_in_routes("topic: renkei.if.001\n", "topic: renkei.if.001\n    schedule: {cron: \"0 1 * * *\"}\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":11: route 1: field 'schedule': only daily, monthly and yearly"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find(":12: route 2: timing 'daily' needs a schedule"), std::string::npos) << e[1];
}

TEST_F(ConfigDir, BadCronAndRuleAreReported) {
  replace_in_routes("0 22 * * *", "0 22 * *");
  replace_in_routes("on_non_business_day: skip", "on_non_business_day: never");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":21: route 2: schedule: field 'cron': cron expression"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find(":22: route 2: schedule: field 'on_non_business_day': unknown value 'never'"), std::string::npos) << e[1];
}

TEST_F(ConfigDir, BusinessDaySchedulesDeadlinesAndCatchUpAreRead) {
  replace_in_routes("      cron: \"0 22 * * *\"\n      on_non_business_day: skip\n",
                    "      cron: \"bd:last 18:00\"\n      deadline: \"+90m\"\n      catch_up: latest\n"
                    "      collect: on-arrival\n");
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  const auto& s = *(*c)->route(2)->schedule;
  EXPECT_EQ(s.cron, "bd:last 18:00");
  ASSERT_TRUE(s.deadline);
  EXPECT_TRUE(s.deadline->relative);
  EXPECT_EQ(s.deadline->minutes, 90);
  EXPECT_EQ(s.catch_up, CatchUp::Latest);
  ASSERT_TRUE(s.collect);
  EXPECT_EQ(*s.collect, CollectMode::OnArrival);
  EXPECT_EQ((*c)->hub.scheduler.collect, CollectMode::AtRun);  // the hub's default
  EXPECT_EQ(collect_mode(*(*c)->route(2), (*c)->hub), CollectMode::OnArrival);
  EXPECT_EQ(fs::path((*c)->hub.calendar_dir).filename(), "calendar");
}

TEST_F(ConfigDir, BadBusinessDaySpecDeadlineAndCatchUpAreReportedWithTheirLines) {
  replace_in_routes("      cron: \"0 22 * * *\"\n      on_non_business_day: skip\n",
                    "      cron: \"bd:24 09:00\"\n      deadline: \"25:00\"\n      catch_up: some\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 3u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":21: route 2: schedule: field 'cron': "), std::string::npos) << e[0];
  EXPECT_NE(e[0].find("bd:24 09:00"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find(":22: route 2: schedule: field 'deadline': '25:00' is not a deadline"), std::string::npos) << e[1];
  EXPECT_NE(e[2].find(":23: route 2: schedule: field 'catch_up': unknown value 'some'"), std::string::npos) << e[2];
}

TEST_F(ConfigDir, BusinessDaySpecRefusesARuleForNonBusinessDays) {
  replace_in_routes("cron: \"0 22 * * *\"", "cron: \"bd:3 09:00\"");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":22: route 2: schedule: field 'on_non_business_day': a business-day schedule"),
            std::string::npos) << e[0];
}

TEST_F(ConfigDir, HubSchedulerCollectModeIsChecked) {
  write("hub.yaml", "bus:\n  brokers: \"\"\nspool:\n  root: spool\nscheduler:\n  collect: sometimes\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("hub.yaml:6: scheduler: field 'collect': unknown value 'sometimes'"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, HubStopTimeoutIsTypedWithADefault) {
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_EQ((*c)->hub.stop_timeout_s, 60);

  write("hub.yaml", "hub:\n  stop_timeout_s: 8\nbus:\n  brokers: \"\"\nspool:\n  root: spool\n");
  c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_EQ((*c)->hub.stop_timeout_s, 8);

  for (const char* bad : {"0", "3601", "soon"}) {
    write("hub.yaml", std::string("hub:\n  stop_timeout_s: ") + bad + "\nbus:\n  brokers: \"\"\nspool:\n  root: spool\n");
    auto e = errors();
    ASSERT_EQ(e.size(), 1u) << bad << ": " << ::testing::PrintToString(e);
    EXPECT_NE(e[0].find("hub.yaml:2: hub: field 'stop_timeout_s'"), std::string::npos) << e[0];
  }
}

TEST_F(ConfigDir, BusMemoryBoundsAreTypedWithDefaults) {
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_EQ((*c)->hub.bus.memory.lane_queue_kib, 4096);
  EXPECT_EQ((*c)->hub.bus.memory.producer_buffer_kib, 65536);
  EXPECT_EQ((*c)->hub.bus.memory.producer_buffer_records, 50000);

  write("hub.yaml",
        "bus:\n  brokers: \"\"\n  memory:\n    lane_queue_kib: 512\n    fetch_max_kib: 2048\n"
        "    partition_fetch_kib: 2048\nspool:\n  root: spool\n");
  c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_EQ((*c)->hub.bus.memory.lane_queue_kib, 512);
  EXPECT_EQ((*c)->hub.bus.memory.fetch_max_kib, 2048);
  EXPECT_EQ((*c)->hub.bus.memory.partition_fetch_kib, 2048);
  EXPECT_EQ((*c)->hub.bus.memory.consumer_prefetch_kib, 4096);

  write("hub.yaml",
        "bus:\n  brokers: \"\"\n  memory:\n    lane_queue_kib: 8\n    fetch_max_kib: 2048\n"
        "    partition_fetch_kib: 4096\n    queue_kib: 1\nspool:\n  root: spool\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 3u) << ::testing::PrintToString(e);
  std::string all;
  for (const auto& x : e) all += x + "\n";
  EXPECT_NE(all.find("hub.yaml:4: bus: memory: field 'lane_queue_kib'"), std::string::npos) << all;
  EXPECT_NE(all.find("partition_fetch_kib"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown field 'queue_kib'"), std::string::npos) << all;

  write("hub.yaml", "bus:\n  brokers: \"\"\n  memory:\n    producer_buffer_records: 20000\nspool:\n  root: spool\n");
  c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_EQ((*c)->hub.bus.memory.producer_buffer_records, 20000);

  // Below one produce batch of records.
  write("hub.yaml", "bus:\n  brokers: \"\"\n  memory:\n    producer_buffer_records: 500\nspool:\n  root: spool\n");
  e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("hub.yaml:4: bus: memory: field 'producer_buffer_records'"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, BusSecurityPassesTlsAndSaslSettingsOnly) {
  write("hub.yaml",
        "bus:\n  brokers: \"k1:9093\"\n  security:\n    security.protocol: SASL_SSL\n"
        "    ssl.ca.location: /etc/ssl/city-ca.pem\n    sasl.mechanism: SCRAM-SHA-512\n"
        "    sasl.username: renkei\n    sasl.password_file: kafka-password\nspool:\n  root: spool\n");
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  const auto& bus = (*c)->hub.bus;
  ASSERT_EQ(bus.security.size(), 4u);
  EXPECT_EQ(bus.security[0], (std::pair<std::string, std::string>{"security.protocol", "SASL_SSL"}));
  EXPECT_EQ(bus.sasl_password_file, file("kafka-password"));

  write("hub.yaml",
        "bus:\n  brokers: \"k1:9093\"\n  security:\n    sasl.password: hunter2\n    acks: \"0\"\n"
        "spool:\n  root: spool\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("hub.yaml:4: bus: security: field 'sasl.password': keep the password out of hub.yaml"),
            std::string::npos) << e[0];
  EXPECT_EQ(e[0].find("hunter2"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find("hub.yaml:5: bus: security: field 'acks' is not a TLS/SASL setting"), std::string::npos) << e[1];
}

TEST_F(ConfigDir, DuplicateIdsTopicsAndUnknownFields) {
  replace_in_routes("id: 2", "id: 1");
  replace_in_routes("topic: renkei.if.002", "topic: renkei.if.001");
  replace_in_routes("    conversion: utf8\n", "    conversion: utf8\n    conversoin: x\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 3u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":11: route 1: duplicate id (also at"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find(":19: route 1: unknown field 'conversoin'"), std::string::npos) << e[1];
  EXPECT_NE(e[2].find(":20: route 1: topic 'renkei.if.001' is already used by route 1"), std::string::npos) << e[2];
}

TEST_F(ConfigDir, ListedOrderMustMatchDirection) {
  replace_in_routes("arrow: ←", "arrow: →");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("field 'listed': a → b does not match from 'b' to 'a'"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, SyntaxErrorNamesFileAndLine) {
  write("systems.yaml", "systems:\n  - id: a\n    aliases: [x, y\n");
  auto e = errors();
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(e[0].starts_with(file("systems.yaml") + ":")) << e[0];
  EXPECT_NE(e[0].find("YAML syntax error"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, SystemProblems) {
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: SJIS-nonsense\n"
        "  - id: a\n    name: other\n    charset: UTF-8\n"
        "  - id: B!\n    name: Bシステム\n    charset: UTF-8\n"
        "  - id: c\n    name: Aシステム\n    charset: UTF-8\n    adapter:\n      kind: ftp\n"
        "  - id: d\n    name: D\n    charset: UTF-8\n    adapter:\n      format: xml\n      speed: 3\n");
  auto e = errors();
  const auto all = ::testing::PrintToString(e);
  auto has = [&](const std::string& s) { return all.find(s) != std::string::npos; };
  EXPECT_TRUE(has(":4: system 'a': field 'charset': unknown charset 'SJIS-nonsense'")) << all;
  EXPECT_TRUE(has(":8: system 'B!': field 'id': 'B!' is not a system id")) << all;
  EXPECT_TRUE(has(":15: system 'c': adapter: unknown adapter kind 'ftp' (registered kinds: file, http, kafka)")) << all;
  EXPECT_TRUE(has(":20: system 'd': adapter: option 'format' must be one of lines csv")) << all;
  EXPECT_TRUE(has(":21: system 'd': adapter: unknown option 'speed' for kind 'file'")) << all;
}

TEST_F(ConfigDir, HttpSystemThatReceivesNeedsAUsableUrl) {
  // b receives route 1 and sends route 2; a sender-only http system needs no url.
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n"
        "  - id: b\n    name: Bシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n      timeout_ms: 100\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("systems.yaml") + ":6: system 'a': adapter: option 'url' is required: the system receives on route 2");
  EXPECT_EQ(e[1], file("systems.yaml") + ":11: system 'b': adapter: option 'url' is required: the system receives on route 1");
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n"
        "      url: https://a.example/{interface}\n"
        "  - id: b\n    name: Bシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n"
        "      url: http://b.example:8080/{system}/{interface}\n");
  e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("system 'a': adapter: option 'url': https is not supported"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, InFlightOutsideItsRangeIsLocated) {
  // in_flight is 1..64 for both kinds that take it; the ends of the range load.
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n"  // 2-6
        "      url: http://a.example/{interface}\n      in_flight: 0\n"                             // 7-8
        "  - id: b\n    name: Bシステム\n    charset: UTF-8\n    adapter:\n      kind: kafka\n"  // 9-13
        "      brokers: 127.0.0.1:9\n      in_flight: 65\n");                                       // 14-15
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("systems.yaml") + ":8: system 'a': adapter: option 'in_flight' must be between 1 and 64");
  EXPECT_EQ(e[1], file("systems.yaml") + ":15: system 'b': adapter: option 'in_flight' must be between 1 and 64");
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n"
        "      url: http://a.example/{interface}\n      in_flight: 1\n"
        "  - id: b\n    name: Bシステム\n    charset: UTF-8\n    adapter:\n      kind: kafka\n"
        "      brokers: 127.0.0.1:9\n      in_flight: 64\n");
  EXPECT_EQ(errors(), std::vector<std::string>{});
}

TEST_F(ConfigDir, NameAliasClashesAreReported) {
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n"
        "  - id: b\n    name: Bシステム\n    aliases: [Ａシステム]\n    charset: UTF-8\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("system 'b': name or alias 'Ａシステム' already belongs to system 'a'"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, HubProblems) {
  write("hub.yaml", "bus:\n  broker: x\n  partitions: 0\nhttp:\n  listen: localhost\nhub:\n  timezone: Mars/Base\n");
  auto e = errors();
  const auto all = ::testing::PrintToString(e);
  EXPECT_EQ(e.size(), 4u) << all;
  EXPECT_NE(all.find("hub.yaml:2: bus: unknown field 'broker'"), std::string::npos) << all;
  EXPECT_NE(all.find("hub.yaml:3: bus: field 'partitions': 0 is outside 1..1000"), std::string::npos) << all;
  EXPECT_NE(all.find("hub.yaml:5: http: field 'listen': expected host:port"), std::string::npos) << all;
  EXPECT_NE(all.find("hub.yaml:7: hub: field 'timezone': unknown time zone 'Mars/Base'"), std::string::npos) << all;
}

TEST_F(ConfigDir, JapaneseNameInRouteGetsADidYouMean) {
  replace_in_routes("from: a\n", "from: Aシステム\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("unknown system 'Aシステム' (did you mean 'a'?)"), std::string::npos) << e[0];
}

// Route 1 (a → b, listed a → b) and route 2 (b → a, listed a ← b) both "via h": the row
// is a's view, so h carries b's end of each: it is delivered route 1 and collects route 2.
TEST_F(ConfigDir, ViaHopCarriesTheListedRightHandEnd) {
  add_hop_system();
  replace_in_routes("    conversion: none\n", "    conversion: none\n    via: h\n");
  replace_in_routes("    conversion: utf8\n", "    conversion: utf8\n    via: h\n");
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << c.error().items().front().str();
  const Catalogue& cat = **c;
  const RouteDef& r1 = *cat.route(1);
  const RouteDef& r2 = *cat.route(2);
  EXPECT_EQ(r1.hop_end(), RouteEnd::To);
  EXPECT_EQ(Catalogue::source_carrier(r1), "a");
  EXPECT_EQ(Catalogue::target_carrier(r1), "h");
  EXPECT_EQ(r2.hop_end(), RouteEnd::From);
  EXPECT_EQ(Catalogue::source_carrier(r2), "h");
  EXPECT_EQ(Catalogue::target_carrier(r2), "a");
  // The adapters: h's carries both far ends, b's none; a's carries its own ends.
  EXPECT_EQ(ids(cat.routes_delivered_by("h")), std::vector<int>{1});
  EXPECT_EQ(ids(cat.routes_collected_by("h")), std::vector<int>{2});
  EXPECT_TRUE(cat.routes_delivered_by("b").empty());
  EXPECT_TRUE(cat.routes_collected_by("b").empty());
  EXPECT_EQ(ids(cat.routes_collected_by("a")), std::vector<int>{1});
  EXPECT_EQ(ids(cat.routes_delivered_by("a")), std::vector<int>{2});
  // The routes stay b's own; h only relays them.
  EXPECT_EQ(ids(cat.routes_to("b")), std::vector<int>{1});
  EXPECT_EQ(ids(cat.routes_from("b")), std::vector<int>{2});
  EXPECT_TRUE(cat.routes_to("h").empty());
  EXPECT_EQ(ids(cat.routes_relayed_by("h", RouteEnd::To)), std::vector<int>{1});
  EXPECT_EQ(ids(cat.routes_relayed_by("h", RouteEnd::From)), std::vector<int>{2});
  EXPECT_TRUE(cat.routes_relayed_by("a", RouteEnd::From).empty());
  EXPECT_TRUE(cat.routes_relayed_by("a", RouteEnd::To).empty());
}

TEST_F(ConfigDir, WithoutViaEachSystemCarriesItsOwnEnds) {
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << c.error().items().front().str();
  const RouteDef& r1 = *(*c)->route(1);
  EXPECT_EQ(r1.hop_end(), std::nullopt);
  EXPECT_EQ(Catalogue::source_carrier(r1), "a");
  EXPECT_EQ(Catalogue::target_carrier(r1), "b");
  EXPECT_EQ(ids((*c)->routes_collected_by("b")), ids((*c)->routes_from("b")));
  EXPECT_EQ(ids((*c)->routes_delivered_by("b")), ids((*c)->routes_to("b")));
}

TEST_F(ConfigDir, ViaEndOverridesTheListedSide) {
  add_hop_system();
  replace_in_routes("    conversion: none\n", "    conversion: none\n    via: h\n    via_end: from\n");
  replace_in_routes("    conversion: utf8\n", "    conversion: utf8\n    via: h\n    via_end: to\n");
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << c.error().items().front().str();
  const RouteDef& r1 = *(*c)->route(1);
  const RouteDef& r2 = *(*c)->route(2);
  EXPECT_EQ(r1.hop_end(), RouteEnd::From);
  EXPECT_EQ(Catalogue::source_carrier(r1), "h");
  EXPECT_EQ(Catalogue::target_carrier(r1), "b");
  EXPECT_EQ(r2.hop_end(), RouteEnd::To);
  EXPECT_EQ(Catalogue::source_carrier(r2), "b");
  EXPECT_EQ(Catalogue::target_carrier(r2), "h");
}

// An http hop receives what it relays: it needs a url for those routes, and b, whose
// end it carries, does not.
TEST_F(ConfigDir, HttpHopNeedsAUrlForTheRoutesItRelays) {
  write("systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n"
        "  - id: b\n    name: Bシステム\n    charset: UTF-8\n    adapter:\n      kind: http\n"
        "  - id: h\n    name: GW\n    charset: UTF-8\n    adapter:\n      kind: http\n");
  replace_in_routes("    conversion: none\n", "    conversion: none\n    via: h\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("systems.yaml") + ":14: system 'h': adapter: option 'url' is required: the system receives on route 1");
}

TEST_F(ConfigDir, ViaThatIsAnEndOfItsRouteAndViaEndWithoutViaAreLocated) {
  add_hop_system();
  // Route 1's via is its own from (line 10); route 2 names an end but no hop (line 20).
  replace_in_routes("    conversion: none\n", "    conversion: none\n    via: a\n");
  replace_in_routes("    conversion: utf8\n", "    conversion: utf8\n    via_end: to\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("routes.yaml") +
                      ":10: route 1: field 'via': the hop 'a' is the route's own 'from' system (a hop stands "
                      "between the two)");
  EXPECT_EQ(e[1], file("routes.yaml") +
                      ":20: route 2: field 'via_end': it says which end a 'via' hop carries, and this route has no 'via'");
}

TEST_F(ConfigDir, ViaThatIsTheTargetUnknownOrWithABadEndIsLocated) {
  add_hop_system();
  // Route 1: via its own to (line 10). Route 2: an unknown hop (line 20) and a bad end (21).
  replace_in_routes("    conversion: none\n", "    conversion: none\n    via: b\n");
  replace_in_routes("    conversion: utf8\n", "    conversion: utf8\n    via: gw\n    via_end: middle\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("routes.yaml") +
                      ":10: route 1: field 'via': the hop 'b' is the route's own 'to' system (a hop stands "
                      "between the two)");
  EXPECT_EQ(e[1], file("routes.yaml") + ":21: route 2: field 'via_end': unknown value 'middle' (expected one of from, to)");
  // With the end fixed, the unknown hop is reported where it is written.
  replace_in_routes("via_end: middle", "via_end: to");
  e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[1], file("routes.yaml") + ":20: route 2: field 'via': unknown system 'gw'");
}

TEST(ShippedConfig, IsValidAndComplete) {
  auto c = load_catalogue(RENKEI_SOURCE_DIR "/config");
  ASSERT_TRUE(c) << c.error().items().front().str();
  EXPECT_EQ((*c)->systems.size(), 39u);
  EXPECT_EQ((*c)->routes.size(), 97u);
  EXPECT_TRUE((*c)->hub.bus.brokers.empty());
}

// The 12 GWサーバ経由 rows (all written from 住民記録's side): gw-server's adapter carries
// 住基ネット's and 法務省's ends; resident-record keeps its own.
TEST(ShippedConfig, GwServerCarriesTheFarEndOfItsViaRoutes) {
  auto c = load_catalogue(RENKEI_SOURCE_DIR "/config");
  ASSERT_TRUE(c) << c.error().items().front().str();
  const Catalogue& cat = **c;
  auto ids = [](const std::vector<const RouteDef*>& rs) {
    std::vector<int> out;
    for (const auto* r : rs) out.push_back(r->id);
    return out;
  };
  EXPECT_EQ(ids(cat.routes_relayed_by("gw-server", RouteEnd::To)), (std::vector<int>{1, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ids(cat.routes_relayed_by("gw-server", RouteEnd::From)), (std::vector<int>{21, 22, 23, 24, 25, 26}));
  EXPECT_EQ(Catalogue::target_carrier(*cat.route(1)), "gw-server");
  EXPECT_EQ(Catalogue::source_carrier(*cat.route(1)), "resident-record");
  EXPECT_EQ(Catalogue::source_carrier(*cat.route(21)), "gw-server");
  EXPECT_EQ(Catalogue::target_carrier(*cat.route(21)), "resident-record");
  // Route 8 ends at the GW server itself: its own route, not a relay.
  EXPECT_EQ(Catalogue::target_carrier(*cat.route(8)), "gw-server");
  for (int id : {1, 4, 5, 6, 7})
    for (const auto* r : cat.routes_delivered_by("jukinet")) EXPECT_NE(r->id, id);
  for (const auto* r : cat.routes_collected_by("jukinet")) EXPECT_FALSE(r->via) << r->id;
}

}  // namespace
}  // namespace renkei

namespace renkei {
namespace {

TEST_F(ConfigDir, FileDateIsReadAndShownInTheSchedule) {
  replace_in_routes("      on_non_business_day: skip\n", "      on_non_business_day: skip\n      file_date: \"RJ%Y%m%d\"\n");
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_EQ((*c)->route(2)->schedule->file_date, "RJ%Y%m%d");
}

TEST_F(ConfigDir, BadFileDateAndFileDateOnArrivalAreReportedWithTheirLines) {
  replace_in_routes("      on_non_business_day: skip\n", "      on_non_business_day: skip\n      file_date: \"%Y%m\"\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":23: route 2: schedule: field 'file_date': '%Y%m': needs a year"), std::string::npos) << e[0];

  replace_in_routes("file_date: \"%Y%m\"\n", "file_date: \"%Y%m%d\"\n      collect: on-arrival\n");
  e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find(":23: route 2: schedule: field 'file_date': applies to runs that collect"), std::string::npos)
      << e[0];
}

// Root ignores chmod 000, so the unreadable files here are kinds no one can read as one:
// a symlink loop, a FIFO (which must not block the loader), a directory, a dangling link.
// Each is one located error, never an exception.
TEST_F(ConfigDir, UnreadableFilesAreErrorsNotExceptions) {
  const auto loop = [&](const std::string& name) {
    fs::remove_all(dir_ / name);
    fs::create_symlink(name + ".loop", dir_ / name);
    fs::create_symlink(name, dir_ / (name + ".loop"));
  };
  loop("routes.yaml");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0].rfind(file("routes.yaml") + ": cannot open file: ", 0), 0u) << e[0];

  fs::remove(dir_ / "routes.yaml");
  ASSERT_EQ(::mkfifo(file("routes.yaml").c_str(), 0600), 0);
  e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("routes.yaml") + ": is not a regular file");

  fs::remove(dir_ / "routes.yaml");
  write("routes.yaml", routes_);
  // (routes may be a directory; systems.yaml may not)
  fs::remove(dir_ / "systems.yaml");
  fs::create_directory(dir_ / "systems.yaml");
  e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], file("systems.yaml") + ": is a directory, not a file");

  fs::remove(dir_ / "systems.yaml");
  fs::create_symlink("nowhere.yaml", dir_ / "systems.yaml");
  EXPECT_FALSE(errors().empty());
}

TEST_F(ConfigDir, RoutesDirectoryThatLoopsOrHoldsALoopIsReported) {
  write("hub.yaml", "bus:\n  brokers: \"\"\nspool:\n  root: spool\ncatalogue:\n  routes: routes.d\n");
  fs::create_directory(dir_ / "routes.d");
  write("routes.d/a.yaml", routes_);
  fs::create_symlink("b.yaml", dir_ / "routes.d" / "c.yaml");
  fs::create_symlink("c.yaml", dir_ / "routes.d" / "b.yaml");
  auto e = errors();
  ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
  for (const auto& line : e) EXPECT_NE(line.find("symbolic links"), std::string::npos) << line;

  fs::remove_all(dir_ / "routes.d");
  fs::create_symlink("routes.e", dir_ / "routes.d");
  fs::create_symlink("routes.d", dir_ / "routes.e");
  e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("routes.d: cannot open file: "), std::string::npos) << e[0];
}

}  // namespace
}  // namespace renkei

namespace renkei {
namespace {

TEST_F(ConfigDir, HooksAreArgvListsWithAnAbsoluteProgramOnRoutesWithRuns) {
  replace_in_routes("    listed: {left: a, arrow: ←, right: b}\n",
                    "    listed: {left: a, arrow: ←, right: b}\n"
                    "    hooks:\n"
                    "      before: {argv: [/usr/local/bin/ready, --quiet], timeout_s: 30}\n"
                    "      after_failure: {argv: [/bin/echo, 'a;b']}\n");
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  const RouteDef* r = (*c)->route(2);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->hooks.before);
  EXPECT_EQ(r->hooks.before->argv, (std::vector<std::string>{"/usr/local/bin/ready", "--quiet"}));
  EXPECT_EQ(r->hooks.before->timeout_s, 30);
  EXPECT_FALSE(r->hooks.after_success);
  ASSERT_TRUE(r->hooks.after_failure);
  EXPECT_EQ(r->hooks.after_failure->timeout_s, 60);
  EXPECT_TRUE((*c)->route(1)->hooks.empty());

  const std::string base = routes_;
  for (auto [hooks, expect] : {std::pair{"      before: {argv: [ready]}\n", "absolute path"},
                               std::pair{"      before: {argv: []}\n", "absolute path"},
                               std::pair{"      before: {argv: [/bin/x], timeout_s: 0}\n", "timeout_s"},
                               std::pair{"      befor: {argv: [/bin/x]}\n", "befor"}}) {
    routes_ = base;
    replace_in_routes("      before: {argv: [/usr/local/bin/ready, --quiet], timeout_s: 30}\n"
                      "      after_failure: {argv: [/bin/echo, 'a;b']}\n",
                      hooks);
    auto e = errors();
    ASSERT_EQ(e.size(), 1u) << hooks << ::testing::PrintToString(e);
    EXPECT_NE(e[0].find("routes.yaml:"), std::string::npos) << e[0];
    EXPECT_NE(e[0].find(expect), std::string::npos) << e[0];
  }
  // A realtime route has no runs to hook.
  routes_ = base;
  replace_in_routes("    topic: renkei.if.001\n", "    topic: renkei.if.001\n    hooks:\n      before: {argv: [/bin/true]}\n");
  auto e = errors();
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("hooks run around a route's runs"), std::string::npos) << e[0];
}

TEST_F(ConfigDir, NotifyChannelsTemplatesAndThresholdsAreTyped) {
  auto c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  EXPECT_FALSE((*c)->hub.notify.enabled());
  const std::string hub = "bus:\n  brokers: \"\"\nspool:\n  root: spool\n";
  write("hub.yaml", hub +
                        "notify:\n"
                        "  events: [run-failed, target-down]\n"
                        "  target_down_after_s: 120\n"
                        "  webhooks:\n"
                        "    - {name: chat, url: 'https://chat.example/h', bearer_token_file: tok}\n"
                        "  mail:\n"
                        "    - {name: ops, url: 'smtp://127.0.0.1:25', starttls: true, from: r@example.jp,"
                        " to: [a@example.jp], username: u, password_file: pw}\n"
                        "  templates:\n"
                        "    run-failed: {subject: '{{interface}} 失敗'}\n");
  c = load_catalogue(dir_.string());
  ASSERT_TRUE(c) << ::testing::PrintToString(errors());
  const auto& n = (*c)->hub.notify;
  EXPECT_TRUE(n.enabled());
  EXPECT_EQ(n.target_down_after_s, 120);
  EXPECT_EQ(n.channels.events, (std::vector<NotifyEvent>{NotifyEvent::RunFailed, NotifyEvent::TargetDown}));
  ASSERT_EQ(n.channels.webhooks.size(), 1u);
  EXPECT_EQ(n.channels.webhooks[0].bearer_token_file, (dir_ / "tok").string());
  ASSERT_EQ(n.channels.mails.size(), 1u);
  EXPECT_TRUE(n.channels.mails[0].starttls);
  EXPECT_EQ(n.channels.mails[0].password_file, (dir_ / "pw").string());
  // The subject given, the body the default.
  EXPECT_EQ(n.channels.templates.at(NotifyEvent::RunFailed).subject, "{{interface}} 失敗");
  EXPECT_FALSE(n.channels.templates.at(NotifyEvent::RunFailed).body.empty());

  for (auto [bad, expect] :
       {std::pair{"  events: [run-exploded]\n", "unknown event 'run-exploded'"},
        std::pair{"  webhooks:\n    - {name: w, url: 'ftp://x/'}\n", "notify.webhooks[0]"},
        std::pair{"  mail:\n    - {name: m, url: 'smtp://h', from: 'a@b\\r\\nBcc: x@y', to: [c@d]}\n", "notify.mail[0]"},
        std::pair{"  templates:\n    run-failed: {body: '{{record}}'}\n", "unknown variable"},
        std::pair{"  templates:\n    run-failed: {body: 'x {{interface'}\n", "unclosed"},
        std::pair{"  webhooks:\n    - {name: a, url: 'http://x/'}\n    - {name: a, url: 'http://y/'}\n", "used twice"},
        std::pair{"  webhooks:\n    - {name: 'Ops Chat', url: 'https://x/'}\n", "metric label"},
        std::pair{"  webhooks:\n    - {name: w, url: 'http://chat.example/', bearer_token_file: t}\n", "plain text"},
        std::pair{"  mail:\n    - {name: m, url: 'smtp://mail.example:25', from: a@b, to: [c@d], username: u,"
                  " password_file: pw}\n", "plain text"}}) {
    write("hub.yaml", hub + "notify:\n" + bad);
    auto e = errors();
    ASSERT_EQ(e.size(), 1u) << bad << ::testing::PrintToString(e);
    EXPECT_NE(e[0].find("hub.yaml:"), std::string::npos) << e[0];
    EXPECT_NE(e[0].find(expect), std::string::npos) << e[0];
  }
}

}  // namespace
}  // namespace renkei
