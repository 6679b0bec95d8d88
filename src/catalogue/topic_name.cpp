#include "renkei/catalogue/topic_name.hpp"

namespace renkei {

// Kafka's own rule (org.apache.kafka.common.internals.Topic): [a-zA-Z0-9._-], 1..249.
std::optional<std::string> check_topic_name(std::string_view topic) {
  if (topic.empty()) return "topic name is empty";
  if (topic == "." || topic == "..") return "topic name cannot be '.' or '..'";
  if (topic.size() > 249) return "topic name is longer than 249 characters";
  for (char c : topic) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return "topic name '" + std::string(topic) +
             "' has characters other than ASCII letters, digits, '.', '_' and '-'";
  }
  return std::nullopt;
}

}  // namespace renkei
