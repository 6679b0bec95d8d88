#include "file/file_spec.hpp"

namespace renkei::adapters {

AdapterKindSpec file_adapter_spec() {
  return AdapterKindSpec{
      .kind = "file",
      .doc = "Exchanges files through a spool: the system drops complete files into its "
             "outbox for the hub to pick up, and finds delivered files in its inbox.",
      .options =
          {
              {.name = "outbox",
               .type = OptionType::Path,
               .doc = "Directory the system writes files into (the hub reads them).",
               .default_value = "{spool}/{system}/outbox",
               .values = {}},
              {.name = "inbox",
               .type = OptionType::Path,
               .doc = "Directory the hub delivers files into (the system reads them).",
               .default_value = "{spool}/{system}/inbox",
               .values = {}},
              {.name = "format",
               .type = OptionType::Enum,
               .doc = "How a file splits into records until a layout is configured.",
               .default_value = "lines",
               .values = {"lines", "csv"}},
              {.name = "ready",
               .type = OptionType::Enum,
               .doc = "How the hub knows a file is complete: it was renamed into the outbox "
                      "(temp names starting with '.' are ignored), or a '<name>.done' marker "
                      "exists beside it.",
               .default_value = "rename",
               .values = {"rename", "done-marker"}},
          },
  };
}

}  // namespace renkei::adapters
