#pragma once
// POST /ingest/{system}[/{interface}]: how systems with an `http` adapter hand the hub a
// realtime event. The body is one record in the system's charset; it is checked, put on
// the route topic with the usual headers, and answered 202 only once Kafka has
// acknowledged it (acks=all): an accepted event is never lost. Bad input gets a 4xx that
// says why (never the record's contents), a body above max_body_bytes 413.
//
// Authorisation: a bearer token, like every write of the admin API: the system's own
// (adapter option token_file) when it has one, else the hub's (auth.token_file).
#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bearer_auth.hpp"
#include "hub_metrics.hpp"
#include "http_server.hpp"
#include "renkei/bus.hpp"
#include "renkei/convert/charset.hpp"
#include "runtime.hpp"

namespace renkei {

class IngestService {
 public:
  // Registers the route on `server`; everything passed in must outlive the service.
  IngestService(AdminHttpServer& server, boost::asio::io_context& io, Producer& producer,
                const RuntimeHolder& runtime, HubMetrics& metrics, const BearerAuth& auth);

  void handle(const HttpRequest& req, Reply reply);

 private:
  // "" when `req` carries the token `system` must send; otherwise why not.
  std::string check_token(const RuntimePtr& rt, const SystemDef& system, const HttpRequest& req);
  // The body decodes cleanly in `charset`; otherwise the error names the byte offset.
  std::expected<void, CharsetError> check_charset(const std::string& charset, std::string_view body,
                                                  std::string& why);

  boost::asio::io_context& io_;
  Producer& producer_;
  const RuntimeHolder& runtime_;
  HubMetrics& metrics_;
  const BearerAuth& auth_;
  std::mutex tokens_mu_;
  RuntimePtr tokens_of_;  // the configuration the cached tokens were read under
  std::map<std::string, std::unique_ptr<BearerAuth>, std::less<>> tokens_;  // by token file
  std::mutex charsets_mu_;  // Charset instances are not thread-safe
  std::map<std::string, std::unique_ptr<Charset>, std::less<>> charsets_;
};

}  // namespace renkei
