#pragma once
// Notification texts: `{{name}}` placeholders filled from a notification's variables.
//
// Variables are ids, names, counts and outcomes only: the caller guarantees that no
// record contents are ever among them, so a rendered text may go to a chat room or a
// mailbox. They still come from outside (an interface name, a reason text from a target),
// so render() escapes every C0 control character and DEL in a VALUE as the four
// characters `\xHH` (upper-case hex; CR becomes `\x0D`, LF `\x0A`). A value can therefore
// never start a new line: not in a mail subject (no header injection), not in a body, not
// in a chat message. Template text itself is the operator's and keeps its line breaks.
// Bytes ≥ 0x80 pass as they are (Japanese names are UTF-8).
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "renkei/notify/notify_config.hpp"

namespace renkei {

// (name, value) in the caller's order; the first of a repeated name wins in render().
using NotifyVars = std::vector<std::pair<std::string, std::string>>;

// The placeholder names a template may use.
std::span<const std::string_view> notify_variable_names();
bool is_notify_variable(std::string_view name);

// Ok when every `{{` is closed by `}}` and names an allowed variable (no spaces inside:
// `{{ run_id }}` is an error). The error names the byte offset of the offending `{{`.
std::expected<void, std::string> check_template(std::string_view text);

// Fills the placeholders; an unknown or absent variable renders empty, an unclosed `{{`
// is kept as text (render is total: check_template is where mistakes are reported).
std::string render(std::string_view text, const NotifyVars& vars);

// `\xHH` for C0 controls and DEL, the rest unchanged (what render does to each value).
std::string escape_controls(std::string_view value);

// The built-in Japanese texts used when the config has no template for an event.
const NotifyTemplate& default_template(NotifyEvent event);

}  // namespace renkei
