#pragma once
// The seam where the conversion stage plugs into the route worker.
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "renkei/catalogue/model.hpp"
#include "renkei/convert/codemaps.hpp"

namespace renkei {

struct StageError {
  std::string kind;    // DLQ reason: illegal-sequence, unmappable, …
  std::string detail;  // position and charset; never the record's contents
};

struct RecordContext {
  const RouteDef& route;
  std::string_view source_charset;  // from the record's renkei-charset header
  uint64_t seq = 0;
  const CataloguePtr* catalogue = nullptr;  // the snapshot the record is handled under
  const CodemapsPtr* codemaps = nullptr;
};

class Stage {
 public:
  virtual ~Stage() = default;
  // nullopt: the record passes as it is (no copy on the common path); a string: the
  // rewritten record. On error the record goes to the DLQ untouched.
  virtual std::expected<std::optional<std::string>, StageError> apply(const RecordContext& ctx,
                                                                      std::string_view bytes) = 0;
};

// The conversion stage: the route's profile, layout and codemaps (ARCHITECTURE §2b).
// Needs ctx.catalogue and ctx.codemaps. Counts 縮退 through `on_shrink(route id)`.
std::unique_ptr<Stage> make_conversion_stage(std::function<void(int)> on_shrink = {});

}  // namespace renkei
