#pragma once
// CP932 holds some characters twice or three times: NEC row 13 repeats JIS X 0208
// symbols, and the IBM extensions (FA-FC) and their NEC-selected copy (ED-EE) hold the
// same kanji and numerals, some also in NEC row 13. Decoding is exact either way; on
// encoding one code must be chosen. The default is what Windows writes (JIS X 0208 first,
// then NEC row 13, then IBM FA-FC, never ED-EE), which ICU's ibm-943 converters already
// do. A peer built on NEC's set wants the NEC-selected codes; one built on IBM's wants
// FA-FC before NEC row 13. This wraps the target charset and rewrites only those
// characters; JIS X 0208 codes always win.
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "renkei/convert/charset.hpp"

namespace renkei {

enum class DuplicatePreference { Windows, NecSelected, Ibm };

std::optional<DuplicatePreference> parse_duplicate_preference(std::string_view s);
std::string_view to_string(DuplicatePreference p);

// `inner` must be a Shift_JIS-family charset (CP932, IBM 943); the error says why not.
// Windows returns `inner` as it is.
std::expected<std::unique_ptr<Charset>, std::string> with_duplicate_preference(std::unique_ptr<Charset> inner,
                                                                              DuplicatePreference p);

}  // namespace renkei
