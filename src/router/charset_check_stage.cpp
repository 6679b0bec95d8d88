#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/utf8.h>

#include <map>

#include "renkei/stage.hpp"

namespace renkei {
namespace {

struct ConverterDeleter {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using Converter = std::unique_ptr<UConverter, ConverterDeleter>;

class CharsetCheckStage final : public Stage {
 public:
  std::expected<std::optional<std::string>, StageError> apply(const RecordContext& ctx,
                                                              std::string_view bytes) override {
    if (ctx.source_charset.empty() || ctx.source_charset == "UTF-8" || ctx.source_charset == "utf-8") {
      if (auto r = check_utf8(ctx, bytes); !r) return std::unexpected(r.error());
      return std::nullopt;
    }
    UConverter* conv = converter(ctx.source_charset);
    if (!conv)
      return std::unexpected(StageError{"bad-record", "record " + std::to_string(ctx.seq) + ": charset '" +
                                                          std::string(ctx.source_charset) + "' unknown to ICU"});
    ucnv_resetToUnicode(conv);
    const char* src = bytes.data();
    const char* const limit = bytes.data() + bytes.size();
    UChar out[4096];
    while (src < limit) {
      UChar* target = out;
      UErrorCode status = U_ZERO_ERROR;
      ucnv_toUnicode(conv, &target, out + 4096, &src, limit, nullptr, true, &status);
      if (status == U_BUFFER_OVERFLOW_ERROR) continue;
      if (U_FAILURE(status)) {
        // With the stop callback src points just past the offending bytes.
        char bad[32];
        int8_t len = sizeof bad;
        UErrorCode e2 = U_ZERO_ERROR;
        ucnv_getInvalidChars(conv, bad, &len, &e2);
        auto offset = static_cast<std::size_t>(src - bytes.data()) - static_cast<std::size_t>(len > 0 ? len : 0);
        return std::unexpected(StageError{
            status == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal-sequence",
            "record " + std::to_string(ctx.seq) + ": " +
                (status == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal") + " byte sequence at byte " +
                std::to_string(offset) + " for charset " + std::string(ctx.source_charset)});
      }
    }
    return std::nullopt;
  }

 private:
  static std::expected<void, StageError> check_utf8(const RecordContext& ctx, std::string_view bytes) {
    int32_t i = 0;
    const auto len = static_cast<int32_t>(bytes.size());
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    while (i < len) {
      int32_t at = i;
      UChar32 c;
      U8_NEXT(p, i, len, c);
      if (c < 0)
        return std::unexpected(StageError{"illegal-sequence", "record " + std::to_string(ctx.seq) +
                                                                  ": illegal byte sequence at byte " +
                                                                  std::to_string(at) + " for charset UTF-8"});
    }
    return {};
  }

  UConverter* converter(std::string_view name) {
    auto it = converters_.find(std::string(name));
    if (it != converters_.end()) return it->second.get();
    UErrorCode status = U_ZERO_ERROR;
    Converter c(ucnv_open(std::string(name).c_str(), &status));
    if (U_FAILURE(status) || !c) return nullptr;
    ucnv_setToUCallBack(c.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    return converters_.emplace(std::string(name), std::move(c)).first->second.get();
  }

  std::map<std::string, Converter> converters_;
};

}  // namespace

std::unique_ptr<Stage> make_charset_check_stage() { return std::make_unique<CharsetCheckStage>(); }

}  // namespace renkei
