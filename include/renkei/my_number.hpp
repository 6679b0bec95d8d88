#pragma once
// 個人番号 (My Number) detection for the log filter: twelve digits whose last is the check
// digit of the other eleven (行政手続における特定の個人を識別するための番号の利用等に関する
// 法律施行令 第8条). Logs never carry record bodies; this catches what slips through anyway.
#include <string>
#include <string_view>

namespace renkei {

// `digits` must be exactly twelve ASCII digits.
bool is_my_number(std::string_view digits);

// Replaces every valid 個人番号 with "[個人番号]": twelve digits, ASCII or full-width
// (０-９), written together or in groups split by spaces, hyphens, full-width spaces or
// full-width hyphens ("1234 5678 9012", "１２３４－５６７８－９０１２"). The twelve
// digits must be whole groups: runs of other lengths, and twelve digits failing the
// check, stay.
std::string mask_my_numbers(std::string_view text);

}  // namespace renkei
