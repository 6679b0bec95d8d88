#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace renkei {

// nullopt when `topic` is a legal Kafka topic name, otherwise why it is not.
std::optional<std::string> check_topic_name(std::string_view topic);

}  // namespace renkei
