#pragma once
#include "renkei/adapter_spec.hpp"

namespace renkei::adapters {
AdapterKindSpec kafka_adapter_spec();
}
