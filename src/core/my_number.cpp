#include "renkei/my_number.hpp"

#include <vector>

namespace renkei {

bool is_my_number(std::string_view d) {
  if (d.size() != 12) return false;
  for (char c : d)
    if (c < '0' || c > '9') return false;
  // P_n: the n-th digit counting leftwards from the one before the check digit;
  // Q_n = n + 1 for n ≤ 6, n − 5 for n ≥ 7.
  int sum = 0;
  for (int n = 1; n <= 11; ++n) {
    const int p = d[static_cast<std::size_t>(11 - n)] - '0';
    const int q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const int r = sum % 11;
  const int check = r <= 1 ? 0 : 11 - r;
  return d[11] - '0' == check;
}

namespace {

// A digit at `i`: ASCII (1 byte) or full-width ０-９ U+FF10–FF19 (EF BC 90–99).
// Returns its byte length and sets `value`; 0 when there is none.
std::size_t digit_at(std::string_view t, std::size_t i, char& value) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(t[k]); };
  if (b(i) >= '0' && b(i) <= '9') {
    value = t[i];
    return 1;
  }
  if (i + 2 < t.size() && b(i) == 0xEF && b(i + 1) == 0xBC && b(i + 2) >= 0x90 && b(i + 2) <= 0x99) {
    value = static_cast<char>('0' + (b(i + 2) - 0x90));
    return 3;
  }
  return 0;
}

// A separator people write inside a number: space, '-', U+3000 (full-width space),
// U+FF0D (full-width hyphen-minus), U+2010/U+2011 (hyphens), U+2212 (minus sign).
std::size_t separator_at(std::string_view t, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(t[k]); };
  if (t[i] == ' ' || t[i] == '-') return 1;
  if (i + 2 >= t.size()) return 0;
  if (b(i) == 0xE3 && b(i + 1) == 0x80 && b(i + 2) == 0x80) return 3;
  if (b(i) == 0xEF && b(i + 1) == 0xBC && b(i + 2) == 0x8D) return 3;
  if (b(i) == 0xE2 && b(i + 1) == 0x80 && (b(i + 2) == 0x90 || b(i + 2) == 0x91)) return 3;
  if (b(i) == 0xE2 && b(i + 1) == 0x88 && b(i + 2) == 0x92) return 3;
  return 0;
}

// A run of digits without separators, and where it lies in the text.
struct Group {
  std::size_t begin, end;
  std::string digits;
};

}  // namespace

std::string mask_my_numbers(std::string_view text) {
  std::string out;
  std::size_t i = 0, copied = 0;
  std::vector<Group> groups;
  while (i < text.size()) {
    char v;
    if (!digit_at(text, i, v)) {
      ++i;
      continue;
    }
    // A candidate: digit groups joined by at most three separator characters each
    // ("1234 5678 9012", "1234 - 5678 - 9012"). The number may be any span of whole
    // groups with twelve digits in all, so "no. 3 1234 5678 9012" is caught too.
    groups.clear();
    std::size_t j = i;
    for (;;) {
      Group g{j, j, {}};
      while (j < text.size()) {
        const std::size_t n = digit_at(text, j, v);
        if (!n) break;
        g.digits.push_back(v);
        j += n;
      }
      g.end = j;
      groups.push_back(std::move(g));
      std::size_t k = j;
      for (int seps = 0; seps < 3 && k < text.size(); ++seps) {
        const std::size_t n = separator_at(text, k);
        if (!n) break;
        k += n;
      }
      if (k == j || k >= text.size() || !digit_at(text, k, v)) break;
      j = k;
    }
    for (std::size_t s = 0; s < groups.size();) {
      std::string digits;
      std::size_t e = s;
      while (e < groups.size() && digits.size() < 12) digits += groups[e++].digits;
      if (digits.size() == 12 && is_my_number(digits)) {
        out.append(text.substr(copied, groups[s].begin - copied));
        out.append("[個人番号]");
        copied = groups[e - 1].end;
        s = e;
      } else {
        ++s;
      }
    }
    i = j;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

}  // namespace renkei
