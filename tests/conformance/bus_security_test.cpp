// bus.security reaches librdkafka as it is, checked before anything connects; the SASL
// password comes from its file and never appears in an error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "renkei/bus.hpp"

namespace renkei {
namespace {

TEST(BusSecurity, KnownSettingsPassAndAnUnknownOneIsNamed) {
  BusConfig cfg;
  cfg.brokers = "127.0.0.1:1";
  cfg.security = {{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "SCRAM-SHA-512"},
                  {"sasl.username", "renkei"}};
  EXPECT_TRUE(check_bus_settings(cfg)) << check_bus_settings(cfg).error().message;

  cfg.security.emplace_back("ssl.no.such.property", "x");
  auto bad = check_bus_settings(cfg);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("ssl.no.such.property"), std::string::npos) << bad.error().message;

  cfg.security = {{"security.protocol", "CARRIER_PIGEON"}};
  bad = check_bus_settings(cfg);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("security.protocol"), std::string::npos) << bad.error().message;
  // The real bus refuses the same at start.
  EXPECT_FALSE(make_kafka_bus(cfg));
}

TEST(BusSecurity, PasswordFileIsReadAndItsContentsNeverShown) {
  const auto dir = std::filesystem::temp_directory_path() / ("renkei-sasl-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "kafka-password";
  std::ofstream(file) << "s3cret-Passw0rd\n";
  BusConfig cfg;
  cfg.brokers = "127.0.0.1:1";
  cfg.security = {{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"}, {"sasl.username", "u"}};
  cfg.sasl_password_file = file.string();
  EXPECT_TRUE(check_bus_settings(cfg));

  cfg.sasl_password_file = (dir / "missing").string();
  auto bad = check_bus_settings(cfg);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find((dir / "missing").string()), std::string::npos) << bad.error().message;

  // A value librdkafka refuses is reported by setting name only.
  cfg.sasl_password_file = file.string();
  // (librdkafka 2.0.2 takes any sasl.mechanism at configuration time, but an enum it
  // does not know it refuses.)
  cfg.security.emplace_back("security.protocol", "NOT-A-PROTOCOL");
  bad = check_bus_settings(cfg);
  ASSERT_FALSE(bad) << "an unknown security.protocol was accepted";
  EXPECT_NE(bad.error().message.find("security.protocol"), std::string::npos) << bad.error().message;
  EXPECT_EQ(bad.error().message.find("s3cret"), std::string::npos) << bad.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace renkei
