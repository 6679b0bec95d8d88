#include "convert_command.hpp"

#include <unistd.h>

#include <fstream>
#include <ostream>

#include "renkei/catalogue/config_loader.hpp"
#include "renkei/convert/record_converter.hpp"
#include "renkei/posix_file.hpp"

namespace renkei::cli {
namespace {

constexpr int kOk = 0;
constexpr int kInvalid = 1;
constexpr int kUsage = 2;

int report(const Diagnostics& d, std::ostream& err) {
  for (const auto& item : d.sorted()) err << item.str() << "\n";
  err << d.size() << (d.size() == 1 ? " error" : " errors") << "\n";
  return kInvalid;
}

}  // namespace

int cmd_convert(const ConvertOptions& o, std::ostream& out, std::ostream& err) {
  auto cat = load_catalogue(o.config);
  if (!cat) return report(cat.error(), err);
  auto maps = load_codemaps(**cat);
  if (!maps) return report(maps.error(), err);

  RouteDef adhoc;
  const RouteDef* route = nullptr;
  if (o.route) {
    route = (*cat)->route(o.route);
    if (!route) {
      err << "renkeictl convert: no route " << o.route << " in the catalogue\n";
      return kUsage;
    }
    if (!o.profile.empty()) {
      adhoc = *route;
      adhoc.conversion = o.profile;
      route = &adhoc;
    }
  } else {
    if (o.profile.empty() || o.from.empty() || o.to.empty()) {
      err << "renkeictl convert: without --route, --profile, --from and --to are all needed\n";
      return kUsage;
    }
    adhoc.conversion = o.profile;
    route = &adhoc;
  }
  auto plan = plan_for_route(*cat, *maps, *route, o.from, o.to);
  if (!plan) {
    err << "renkeictl convert: " << plan.error() << "\n";
    return kInvalid;
  }
  auto conv = RecordConverter::create(std::move(*plan));
  if (!conv) {
    err << "renkeictl convert: " << conv.error() << "\n";
    return kInvalid;
  }

  LineReader reader;
  if (auto r = reader.open(o.in); !r) {
    err << "renkeictl convert: " << r.error().message << "\n";
    return kInvalid;
  }
  // Written beside OUT under a temporary name, renamed only when complete.
  const std::string temp = o.out + ".tmp-" + std::to_string(::getpid());
  FileWriter writer;
  if (auto r = writer.open_truncate(temp); !r) {
    err << "renkeictl convert: " << r.error().message << "\n";
    return kInvalid;
  }
  std::ofstream errors;
  if (!o.errors_file.empty()) {
    errors.open(o.errors_file, std::ios::binary | std::ios::trunc);
    if (!errors) {
      err << "renkeictl convert: cannot write " << o.errors_file << "\n";
      writer.close_quietly();
      ::unlink(temp.c_str());
      return kInvalid;
    }
  }
  const LayoutDef* layout = conv->plan().layout;
  uint64_t line_no = 0, converted = 0, failed = 0, shrunk = 0, file_offset = 0;
  std::vector<ConversionNote> notes;
  std::string_view line;
  bool first_line = true;
  bool wrote_any = false;
  while (true) {
    auto more = reader.next(line);
    if (!more) {
      err << "renkeictl convert: " << more.error().message << "\n";
      writer.close_quietly();
      ::unlink(temp.c_str());
      return kInvalid;
    }
    if (!*more) break;
    ++line_no;
    notes.clear();
    auto r = conv->convert(line, &notes, first_line && layout && layout->header);
    first_line = false;
    if (!r) {
      ++failed;
      const std::string where = o.in + ": record " + std::to_string(line_no) + " (line " + std::to_string(line_no) +
                                ", file byte " + std::to_string(file_offset + r.error().offset) + "): " +
                                r.error().describe();
      if (!errors.is_open()) {
        err << where << "\n";
        writer.close_quietly();
        ::unlink(temp.c_str());
        return kInvalid;
      }
      errors << where << "\n";
    } else {
      ++converted;
      shrunk += notes.size();
      for (const auto& n : notes)
        err << o.in << ": record " << line_no << ": field '" << n.field << "' at byte " << n.offset << ": " << n.what
            << "\n";
      auto w = wrote_any ? writer.write("\n") : std::expected<void, IoError>{};
      if (w) w = writer.write(*r ? std::string_view(**r) : line);
      if (!w) {
        err << "renkeictl convert: " << w.error().message << "\n";
        writer.close_quietly();
        ::unlink(temp.c_str());
        return kInvalid;
      }
      wrote_any = true;
    }
    file_offset += line.size() + 1;
  }
  // The output keeps the input's shape: a final newline only if the input had one.
  auto synced = wrote_any && reader.ended_with_newline() ? writer.write("\n") : std::expected<void, IoError>{};
  if (synced) synced = writer.sync_and_close();
  if (!synced) {
    err << "renkeictl convert: " << synced.error().message << "\n";
    ::unlink(temp.c_str());
    return kInvalid;
  }
  if (auto r = rename_durably(temp, o.out); !r) {
    err << "renkeictl convert: " << r.error().message << "\n";
    ::unlink(temp.c_str());
    return kInvalid;
  }
  if (errors.is_open()) errors.close();
  err << o.in << ": " << converted << " records converted, " << failed << " refused, " << shrunk << " shrunk"
      << (failed ? " (see " + o.errors_file + ")" : std::string()) << "\n";
  (void)out;
  return failed ? kInvalid : kOk;
}

}  // namespace renkei::cli
