#pragma once
#include "renkei/adapter_spec.hpp"

namespace renkei::adapters {
AdapterKindSpec http_adapter_spec();
}
