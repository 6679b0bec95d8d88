#pragma once
// The catalogue as typed, read-only values: what every other part receives instead of YAML.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "renkei/catalogue/enums.hpp"
#include "renkei/notify/notify_config.hpp"

namespace renkei {

// Where a value came from, so later checks can still say file:line.
struct SourceRef {
  std::string file;
  int line = 0;
  std::map<std::string, int> field_lines;  // where individual fields stand, if known

  int line_of(const std::string& field) const {
    auto it = field_lines.find(field);
    return it == field_lines.end() ? line : it->second;
  }
};

struct AdapterConfig {
  std::string kind;                                // registered adapter kind, e.g. "file"
  std::map<std::string, std::string> settings;     // options after defaults are applied
};

struct SystemDef {
  std::string id;                  // ASCII: topics, paths, metric labels
  std::string name;                // Japanese display name
  std::vector<std::string> aliases;
  std::string charset;             // ICU converter name
  std::optional<std::string> layout;  // record layout of the files/events it produces
  AdapterConfig adapter;
  SourceRef where;
};

// When a scheduled run gives up waiting for its source's data: a wall-clock time in
// Asia/Tokyo (the first such time at or after the run) or a duration after the run.
struct Deadline {
  bool relative = false;            // "+90m" / "+2h" vs "09:00"
  int minutes = 0;                  // after the run, or the time of day in minutes
};
std::string to_string(const Deadline& d);  // as written: "09:00", "+90m"

enum class CatchUp { All, Latest };            // which runs a downtime missed are made up
enum class CollectMode { AtRun, OnArrival };   // when a scheduled file route's data moves

struct Schedule {
  // "minute hour day-of-month month day-of-week", or a business-day spec "bd:3 09:00" /
  // "bd:last 18:00" (business_day_spec.hpp).
  std::string cron;
  BusinessDayRule on_non_business_day = BusinessDayRule::Run;
  std::optional<Deadline> deadline;            // none: the data must be there at the run
  CatchUp catch_up = CatchUp::All;
  std::optional<CollectMode> collect;          // none: hub.yaml scheduler.collect
  // How file names carry the business date (file_date.hpp): a run takes only its own
  // date's files. None: a run takes every complete file waiting.
  std::optional<std::string> file_date;
};

// The row as the list shows it (left, arrow, right); from/to are the resolved direction.
struct ListedAs {
  std::string left;
  Arrow arrow = Arrow::Right;
  std::string right;
};

// The 連携一覧 row a route was imported from, kept verbatim so nothing in it is lost.
struct SeedOrigin {
  std::string file;
  int line = 0;
  std::string text;
};

// The two ends of a route: the producing system (`from`) and the consuming one (`to`).
enum class RouteEnd { From, To };

// A job hook (HULFT ジョブ連携): a program renkeid runs around a route's run, as its own
// user, with an argv list (no shell, argv[0] an absolute path) and a time limit.
struct HookSpec {
  std::vector<std::string> argv;
  int timeout_s = 60;
  int line = 0;  // in the routes file, for messages
};

// `before` runs before the run collects anything (failing, it fails the run, reason
// hook); `after_success` / `after_failure` once the run has its outcome (a failure is
// logged, noted in the history and notified, the outcome stays).
struct RouteHooks {
  std::optional<HookSpec> before;
  std::optional<HookSpec> after_success;
  std::optional<HookSpec> after_failure;
  bool empty() const { return !before && !after_success && !after_failure; }
};

struct RouteDef {
  int id = 0;
  std::string name;                // 連携情報名・主な項目
  std::string from;                // producing system id
  std::string to;                  // consuming system id
  Method method = Method::Auto;
  Timing timing = Timing::Realtime;
  bool external = false;           // peer outside the procurement scope
  std::string conversion;          // jukinet | utf8 | none | <custom profile>
  std::optional<std::string> via;  // hop system id (GWサーバ経由)
  std::optional<RouteEnd> via_end; // `via_end: from|to` as written; unset: hop_end() decides
  std::optional<std::string> medium;  // physical hand-off, e.g. "usb"
  std::string note;                // 備考, verbatim
  std::string topic;
  std::optional<Schedule> schedule;
  std::optional<std::string> layout;  // overrides the source system's layout
  RouteHooks hooks;
  ListedAs listed;
  std::optional<SeedOrigin> seed;
  SourceRef where;

  std::string dlq_topic() const { return topic + ".dlq"; }

  // The end of the route its `via` hop stands at: the hub reaches that end's system only
  // through the hop (GWサーバ経由). 連携一覧 rows are written from the left system's point
  // of view and 備考 says how the left reaches the right, so the hop stands at the row's
  // right-hand system unless `via_end` says otherwise. None without a hop.
  std::optional<RouteEnd> hop_end() const {
    if (!via) return std::nullopt;
    if (via_end) return via_end;
    return listed.right == from ? RouteEnd::From : RouteEnd::To;
  }
};

// How records of one kind are cut into fields (config/layouts/*.yaml). Byte offsets
// and lengths are in the charset of the side that holds the record.
enum class LayoutFormat { Line, Csv, Fixed };

struct LayoutField {
  std::string name;
  std::size_t offset = 0;          // fixed: byte offset
  std::size_t length = 0;          // fixed: byte length
  bool kana = false;               // half-width katakana may be widened here (jukinet)
  int line = 0;
  // fixed: a host number instead of text (COBOL COMP-3 / DISPLAY), converted to and from
  // its decimal text; `scale` digits after the point.
  enum class Type { Text, Packed, Zoned } type = Type::Text;
  unsigned scale = 0;
  bool is_signed = true;
};

struct LayoutDef {
  std::string name;
  LayoutFormat format = LayoutFormat::Line;
  char delimiter = ',';
  char quote = '"';
  bool header = false;             // csv: the first record of a batch names the columns
  std::string key;                 // field whose value keys the record on the bus
  std::vector<LayoutField> fields;
  std::size_t record_length = 0;   // fixed: sum of the fields
  // fixed: how a file holds its records — one a line, or back to back without separators
  // (a host's RECFM=FB, where a packed number may hold any byte).
  enum class Framing { Newline, None } framing = Framing::Newline;
  bool write_as_csv = false;       // fixed: the converter writes each record as CSV text
  SourceRef where;

  const LayoutField* field(const std::string& n) const {
    for (const auto& f : fields)
      if (f.name == n) return &f;
    return nullptr;
  }
};

// bus.memory: the most renkeid holds of records in flight, so its memory does not grow
// with file size or backlog (what does not fit waits in Kafka as lag).
struct BusMemoryConfig {
  int lane_queue_kib = 4096;          // records queued for each delivery lane (one per target)
  int consumer_prefetch_kib = 4096;   // fetched ahead of the router (queued.max.messages.kbytes)
  int fetch_max_kib = 8192;           // one fetch response, all partitions (fetch.max.bytes)
  int partition_fetch_kib = 1024;     // one partition's part of it (max.partition.fetch.bytes)
  int producer_buffer_kib = 65536;    // produced, not yet acknowledged (queue.buffering.max.kbytes)
  // The same, counted in records (queue.buffering.max.messages): librdkafka keeps its
  // headers and bookkeeping beside each record's bytes, about 0.5-1 KiB for the hub's
  // short records, which the byte bound does not count.
  int producer_buffer_records = 50000;
};

struct BusConfig {
  std::string brokers;             // empty: embedded mock cluster (not durable)
  int partitions = 3;
  int replication_factor = 1;
  std::string group_id = "renkei-hub";
  std::string client_id = "renkei";
  // Static group membership (KIP-345): a restarted renkeid takes its partitions back at
  // once instead of waiting for the dead member's session to time out. Empty: the
  // client id and the host name.
  std::string instance_id;
  // bus.security: TLS/SASL settings handed to librdkafka as they are (security.protocol,
  // ssl.*, sasl.*). The SASL password is never in hub.yaml: sasl_password_file holds it.
  std::vector<std::pair<std::string, std::string>> security;
  std::string sasl_password_file;  // absolute; empty: none
  // An open batch that sees none of its records for this long (its end marker lost, its
  // producer gone) is dead-lettered as batch-incomplete, so its partition moves on.
  std::chrono::milliseconds batch_timeout{600'000};
  BusMemoryConfig memory;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9464";
  // http.tls: serve HTTPS with this certificate chain and key (PEM, absolute); both
  // empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // http.max_connections: open admin connections beyond this are closed at once (and
  // counted), so one client cannot use up renkeid's file descriptors.
  int max_connections = 256;
};

struct SchedulerConfig {
  // at-run: a scheduled route's files wait in the inbox until its run collects them.
  // on-arrival: they move as soon as they are complete, and the run only checks that
  // the business date's data came (missing-data alarm).
  CollectMode collect = CollectMode::AtRun;
};

// The web console (/console/): sessions and the lock-out after failed logins.
struct ConsoleConfig {
  int session_idle_s = 1800;      // a session unused this long ends
  int login_max_failures = 5;     // failed logins of one name within lockout_s lock it
  int lockout_s = 900;            // for this long
};

// When the hub tells people (notify: in hub.yaml): the channels and templates, and the
// hub's own thresholds for the events it detects.
struct NotifySettings {
  NotifyConfig channels;
  int target_down_after_s = 600;  // an adapter down this long (continuously) is notified, once
  int dlq_check_s = 60;           // dead letters new since the last check are one dlq-growth
  bool enabled() const { return !channels.webhooks.empty() || !channels.mails.empty(); }
};

// 転送履歴 on renkei.history: how long Kafka keeps it (the topic's retention.ms).
struct HistoryConfig {
  int retention_days = 2557;  // 7 years (番号法 keeps 特定個人情報 logs for 7)
};

struct HubConfig {
  std::string name = "renkei";
  std::string timezone = "Asia/Tokyo";
  std::string config_dir;          // absolute; relative paths below resolve against it
  std::string systems_file;        // absolute
  std::string routes_path;         // absolute file or directory
  std::string layouts_dir;         // absolute; may not exist (no layouts)
  std::string codemaps_dir;        // absolute
  BusConfig bus;
  HttpConfig http;
  std::string spool_root;          // absolute
  std::string state_dir;           // absolute
  std::string auth_token_file;     // absolute, may be empty
  std::string users_file;          // absolute: people, roles, password and token hashes
  std::string calendar_dir;        // absolute: holiday exceptions and closures
  std::string audit_file;          // absolute: manual actions, JSON lines
  SchedulerConfig scheduler;
  ConsoleConfig console;
  HistoryConfig history;
  NotifySettings notify;
  std::string log_level = "info";
  // SIGTERM drains; a drain that cannot finish (the broker gone, a peer that never
  // answers) ends this long after the signal without committing what is not durable.
  int stop_timeout_s = 60;
};

struct Catalogue {
  HubConfig hub;
  std::vector<SystemDef> systems;  // in file order
  std::vector<RouteDef> routes;    // sorted by id
  std::map<std::string, LayoutDef> layouts;

  const LayoutDef* layout(const std::string& name) const {
    auto it = layouts.find(name);
    return it == layouts.end() ? nullptr : &it->second;
  }
  // The layout a route's records follow: its own, else its source system's.
  const LayoutDef* layout_of(const RouteDef& r) const;

  const SystemDef* system(const std::string& id) const;
  const RouteDef* route(int id) const;
  // The routes a system produces / consumes (its own, whatever carries them).
  std::vector<const RouteDef*> routes_from(const std::string& system_id) const;
  std::vector<const RouteDef*> routes_to(const std::string& system_id) const;

  // Which system's adapter carries a route's source side (the hub collects its records
  // there) and its target side (the hub delivers through it): `from` and `to`, except at
  // the end its `via` hop stands at (RouteDef::hop_end), where the hop's adapter does.
  // Every part that opens, reads or writes an adapter for a route asks here.
  static const std::string& source_carrier(const RouteDef& r) {
    return r.hop_end() == RouteEnd::From ? *r.via : r.from;
  }
  static const std::string& target_carrier(const RouteDef& r) {
    return r.hop_end() == RouteEnd::To ? *r.via : r.to;
  }
  // The routes whose source / target side this system's adapter carries: its own and
  // those it relays as a hop.
  std::vector<const RouteDef*> routes_collected_by(const std::string& system_id) const;
  std::vector<const RouteDef*> routes_delivered_by(const std::string& system_id) const;
  // Only the routes it relays as a hop (neither end its own), at one end: From = collected
  // from its adapter, To = delivered through it.
  std::vector<const RouteDef*> routes_relayed_by(const std::string& system_id, RouteEnd end) const;
};

using CataloguePtr = std::shared_ptr<const Catalogue>;

// How a route's scheduled data moves: its own setting, else the hub's.
inline CollectMode collect_mode(const RouteDef& r, const HubConfig& h) {
  return r.schedule && r.schedule->collect ? *r.schedule->collect : h.scheduler.collect;
}

// Whether the route's data moves only inside a run (manual and ad-hoc rows, at-run
// scheduled routes): the source leaves it until a run opens the gate, and the run
// succeeds only once what it carried is delivered.
inline bool collected_by_runs(const RouteDef& r, const HubConfig& h) {
  const bool scheduled_at_run = r.method == Method::Auto && r.schedule && collect_mode(r, h) == CollectMode::AtRun;
  return r.method == Method::Manual || r.timing == Timing::Adhoc || scheduled_at_run;
}

// A route's number as topics, spool directories and metric labels write it: "009".
// Inline: every part needs it, including the adapters below the catalogue library.
inline std::string interface_label(int route_id) {
  std::string digits = std::to_string(route_id);
  return digits.size() >= 3 ? digits : std::string(3 - digits.size(), '0') + digits;
}

}  // namespace renkei
