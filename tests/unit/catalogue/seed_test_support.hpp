#pragma once
// Small in-memory system lists and seed texts for the seed tests.
#include <sstream>
#include <string>
#include <vector>

#include "renkei/catalogue/seed.hpp"

namespace renkei::testing {

inline const std::string kSeedHeader =
    "No.\tデータ作成元システム\t方向\tデータ連携先システム\t連携情報名・主な項目\t連携方式\t"
    "処理タイミング\t調達範囲外システムとの連携対象\tコード変換の有無\tコード変換の仕様\t備考\n";

inline std::vector<SystemDef> sample_systems() {
  auto sys = [](std::string id, std::string name, std::vector<std::string> aliases = {}) {
    SystemDef s;
    s.id = std::move(id);
    s.name = std::move(name);
    s.aliases = std::move(aliases);
    s.charset = "UTF-8";
    s.adapter.kind = "file";
    return s;
  };
  return {sys("resident-record", "住民記録システム"),
          sys("jukinet", "住民基本台帳ネットワークシステム"),
          sys("gw-server", "GWサーバ"),
          sys("child-allowance", "児童手当システム(MISALIO)"),
          sys("eltax", "地方税共同機構(eLTAX)"),
          sys("health-care", "健康管理システム(健康かるて)"),
          sys("vrs", "ワクチン接種記録システム(VRS)", {"VRS(ワクチン接種記録システム)"}),
          sys("kokuhoren-transfer", "国民健康保険団体連合会伝送システム"),
          sys("long-term-care", "介護保険システム(MCWEL)")};
}

inline SeedFile parse_text(const std::string& text, Diagnostics& d) {
  std::istringstream in(text);
  return parse_seed(in, "list.tsv", d);
}

}  // namespace renkei::testing
