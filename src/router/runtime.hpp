#pragma once
// What the workers run against: the catalogue and one adapter instance per system.
// A reload builds a new Runtime and swaps it in; work in progress keeps the snapshot it
// started with.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "renkei/adapter.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/convert/codemaps.hpp"

namespace renkei {

struct Runtime {
  CataloguePtr catalogue;
  CodemapsPtr codemaps;
  std::map<std::string, std::shared_ptr<Source>> sources;  // systems with outgoing routes
  std::map<std::string, std::shared_ptr<Sink>> sinks;      // systems with incoming routes
  std::map<std::string, const RouteDef*, std::less<>> by_topic;

  const RouteDef* route_for_topic(std::string_view topic) const {
    auto it = by_topic.find(topic);
    return it == by_topic.end() ? nullptr : it->second;
  }
};
using RuntimePtr = std::shared_ptr<const Runtime>;

class RuntimeHolder {
 public:
  RuntimePtr get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set(RuntimePtr r) {
    std::lock_guard lock(mu_);
    current_ = std::move(r);
  }

 private:
  mutable std::mutex mu_;
  RuntimePtr current_;
};

}  // namespace renkei
