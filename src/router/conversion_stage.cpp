#include <map>

#include "renkei/convert/record_converter.hpp"
#include "renkei/stage.hpp"

namespace renkei {
namespace {

class ConversionStage final : public Stage {
 public:
  explicit ConversionStage(std::function<void(int)> on_shrink) : on_shrink_(std::move(on_shrink)) {}

  std::expected<std::optional<std::string>, StageError> apply(const RecordContext& ctx,
                                                              std::string_view bytes) override {
    if (!ctx.catalogue || !ctx.codemaps || !*ctx.catalogue || !*ctx.codemaps)
      return std::unexpected(StageError{"bad-record", "no codemaps loaded for the conversion stage"});
    auto conv = converter(ctx);
    if (!conv) return std::unexpected(StageError{"bad-record", conv.error()});
    notes_.clear();
    const LayoutDef* layout = (*conv)->plan().layout;
    const bool header = layout && layout->header && ctx.seq == 1;
    auto r = (*conv)->convert(bytes, &notes_, header);
    // seq 0 is a realtime event, which has no place in a batch to name.
    const std::string where = ctx.seq == 0 ? "event" : "record " + std::to_string(ctx.seq);
    if (!r) return std::unexpected(StageError{r.error().kind, where + ": " + r.error().describe()});
    if (!notes_.empty() && on_shrink_)
      for (std::size_t i = 0; i < notes_.size(); ++i) on_shrink_(ctx.route.id);
    return std::move(*r);
  }

 private:
  struct Entry {
    const Codemaps* codemaps = nullptr;
    const Catalogue* catalogue = nullptr;
    std::string charset;
    std::optional<RecordConverter> conv;
  };

  // One converter per route, rebuilt when a reload brings new tables or catalogue.
  std::expected<RecordConverter*, std::string> converter(const RecordContext& ctx) {
    Entry& e = cache_[ctx.route.id];
    if (e.conv && e.codemaps == ctx.codemaps->get() && e.catalogue == ctx.catalogue->get() &&
        e.charset == ctx.source_charset)
      return &*e.conv;
    e = Entry{};
    auto plan = plan_for_route(*ctx.catalogue, *ctx.codemaps, ctx.route, std::string(ctx.source_charset));
    if (!plan) return std::unexpected("route " + std::to_string(ctx.route.id) + ": " + plan.error());
    auto conv = RecordConverter::create(std::move(*plan));
    if (!conv) return std::unexpected("route " + std::to_string(ctx.route.id) + ": " + conv.error());
    e.codemaps = ctx.codemaps->get();
    e.catalogue = ctx.catalogue->get();
    e.charset = std::string(ctx.source_charset);
    e.conv.emplace(std::move(*conv));
    return &*e.conv;
  }

  std::function<void(int)> on_shrink_;
  std::map<int, Entry> cache_;
  std::vector<ConversionNote> notes_;
};

}  // namespace

std::unique_ptr<Stage> make_conversion_stage(std::function<void(int)> on_shrink) {
  return std::make_unique<ConversionStage>(std::move(on_shrink));
}

}  // namespace renkei
