#pragma once
// The audit trail of what people did through the API: manual runs, acknowledgements,
// DLQ replays, and refused (unauthenticated) write attempts. One JSON object per line,
// appended and fsynced before the API answers, so an action that was answered is on
// disk. It names operators, routes and run ids, never record contents.
#include <expected>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace renkei {

// Who did something, as the audit log names them: the fields (operator first, then how
// they proved it) go into each entry of their action.
struct AuditActor {
  std::string name;
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
};

// {"action", the actor's fields, then `what`}.
nlohmann::ordered_json actor_entry(std::string_view action, const AuditActor& who, const nlohmann::ordered_json& what);

class AuditLog {
 public:
  // Opens (creating 0640) the file and its directory.
  std::expected<void, std::string> open(const std::string& path);
  // Adds "time" and writes the entry; an error names the file.
  std::expected<void, std::string> write(nlohmann::ordered_json entry);
  ~AuditLog();

 private:
  std::mutex mu_;
  std::string path_;
  int fd_ = -1;
};

}  // namespace renkei
