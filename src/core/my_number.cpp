#include "renkei/my_number.hpp"

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

std::string mask_my_numbers(std::string_view text) {
  std::string out;
  std::size_t i = 0, copied = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < text.size()) {
    if (!digit(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && digit(text[j])) ++j;
    if (j - i == 12 && is_my_number(text.substr(i, 12))) {
      out.append(text.substr(copied, i - copied));
      out.append("[個人番号]");
      copied = j;
    }
    i = j;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

}  // namespace renkei
