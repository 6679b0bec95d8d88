#include "hub_metrics.hpp"

#include <cstdio>

namespace renkei {

std::string interface_label(int route_id) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03d", route_id);
  return buf;
}

}  // namespace renkei
