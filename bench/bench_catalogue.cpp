// How long loading and checking the whole shipped catalogue takes (renkeid start-up and
// every SIGHUP pay this). Baseline printed beside it: parsing the same YAML files with
// yaml-cpp alone, so the cost of the checks themselves is visible.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include "renkei/catalogue/config_loader.hpp"

#ifndef RENKEI_SOURCE_DIR
#define RENKEI_SOURCE_DIR "."
#endif

static void BM_LoadCatalogue(benchmark::State& state) {
  for (auto _ : state) {
    auto c = renkei::load_catalogue(RENKEI_SOURCE_DIR "/config");
    if (!c) state.SkipWithError("shipped config invalid");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_LoadCatalogue)->Unit(benchmark::kMillisecond);

static void BM_BaselineYamlParseOnly(benchmark::State& state) {
  for (auto _ : state) {
    auto a = YAML::LoadFile(RENKEI_SOURCE_DIR "/config/hub.yaml");
    auto b = YAML::LoadFile(RENKEI_SOURCE_DIR "/config/systems.yaml");
    auto c = YAML::LoadFile(RENKEI_SOURCE_DIR "/config/routes.yaml");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_BaselineYamlParseOnly)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
