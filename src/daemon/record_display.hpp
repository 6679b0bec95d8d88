#pragma once
// A dead letter's bytes for an operator's eyes (the console's 内容表示): decoded from its
// charset as far as they decode, every byte that does not (and every control character)
// shown as a marked \xHH, a private-use code point (外字) as a marked U+XXXX, never
// replaced or dropped, and all of it HTML-escaped. Only the
// first `max_bytes` are shown; the page says when there are more.
#include <cstddef>
#include <string>
#include <string_view>

namespace renkei {

struct RecordDisplay {
  std::string html;        // safe to put inside <pre>
  std::size_t bad_bytes = 0;
  bool cut = false;        // longer than max_bytes
  std::string charset_error;  // the charset could not be opened (the bytes are shown as hex)
};

RecordDisplay display_record(std::string_view bytes, const std::string& charset, std::size_t max_bytes = 64 * 1024);

}  // namespace renkei
