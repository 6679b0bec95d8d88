#pragma once
// An adapter kind declares its options once, here in code: type, default and doc. The
// catalogue checks systems.yaml against it and `renkeictl adapter-kinds` prints it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "renkei/catalogue/model.hpp"

namespace renkei {

enum class OptionType { String, Path, Int, Bool, Enum };
std::string_view to_string(OptionType t);

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::String;
  std::string doc;
  // Default value; "{spool}" and "{system}" expand to the spool root and the system id.
  std::optional<std::string> default_value;
  std::vector<std::string> values;  // allowed values of an Enum option
  // The inclusive bounds of an Int option, where it has them.
  std::optional<std::pair<long long, long long>> range{};
};

struct AdapterKindSpec {
  std::string kind;
  std::string doc;
  std::vector<OptionSpec> options;
  // What the option types cannot say, checked once the whole catalogue is read (e.g. an
  // option required only when the system receives): nullopt, or the problem.
  std::function<std::optional<std::string>(const SystemDef&, const Catalogue&)> check{};

  const OptionSpec* option(std::string_view name) const;
};

// Every registered adapter kind (adapters/registry.cpp is the one list).
const std::vector<AdapterKindSpec>& adapter_kinds();
const AdapterKindSpec* find_adapter_kind(std::string_view kind);

// nullopt when `value` fits the option's type, otherwise why it does not.
std::optional<std::string> check_option_value(const OptionSpec& spec, const std::string& value);

}  // namespace renkei
