#pragma once
#include "renkei/adapter_spec.hpp"

namespace renkei::adapters {
AdapterKindSpec file_adapter_spec();
}
