#include "batch_assembler.hpp"

#include <algorithm>
#include <charconv>

#include "renkei/outside_value.hpp"

namespace renkei {

std::optional<uint64_t> BatchAssembler::parse_seq(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc{} || p != s->data() + s->size()) return std::nullopt;
  return v;
}

BatchAssembler::Batch* BatchAssembler::seen(std::string_view id, int64_t offset, Clock::time_point now) {
  auto it = batches_.find(id);
  if (it == batches_.end()) return nullptr;
  it->second.last_seen = now;
  it->second.last_offset = offset;
  return &it->second;
}

void BatchAssembler::open(std::string_view id, int64_t first_offset, Opening how, std::optional<StageError> why,
                          Clock::time_point now) {
  Batch b;
  b.first_offset = first_offset;
  b.last_offset = first_offset;
  b.last_seen = now;
  b.how = how;
  if (how == Opening::Held) b.held = why ? std::move(*why) : StageError{"bad-record", "batch cannot be delivered"};
  batches_.insert_or_assign(std::string(id), std::move(b));
}

std::optional<BatchAssembler::Replay> BatchAssembler::hold(Batch& b, int64_t offset, StageError why) {
  if (b.held || b.how == Opening::DeliveredBefore) return std::nullopt;
  b.held = std::move(why);
  // Records already appended go to the DLQ too, with their original bytes (the target
  // only has converted ones): the batch is kept whole, never half.
  const bool was_appending = b.how == Opening::Deliver;
  b.how = Opening::Held;
  if (!was_appending) return std::nullopt;
  return Replay{b.first_offset, offset};
}

std::optional<BatchAssembler::Replay> BatchAssembler::hold(std::string_view id, int64_t offset, StageError why) {
  auto it = batches_.find(id);
  if (it == batches_.end()) return std::nullopt;
  return hold(it->second, offset, std::move(why));
}

BatchAssembler::Step BatchAssembler::record(std::string_view id, int64_t offset, std::optional<std::string_view> seq_text,
                                            Clock::time_point now) {
  Batch* found = seen(id, offset, now);
  if (!found) return {};
  Batch& b = *found;
  if (b.how == Opening::DeliveredBefore) return only(Verdict::ReadPast);
  Step step;
  auto seq = parse_seq(seq_text);
  if (!seq) {
    step.replay = hold(b, offset, {"bad-header", "record has no valid renkei-seq header"});
  } else if (*seq < b.next_seq) {
    step.verdict = Verdict::ReadPast;  // a source re-read its file after a crash
    return step;
  } else if (*seq > b.next_seq) {
    step.replay = hold(b, offset,
                       {"bad-record", "sequence gap: expected record " + std::to_string(b.next_seq) + ", got " +
                                          std::to_string(*seq)});
  }
  if (seq) b.next_seq = *seq + 1;
  if (b.held) {
    step.verdict = Verdict::DeadLetter;
    step.held = b.held;
    return step;
  }
  step.verdict = Verdict::Append;
  step.seq = *seq;
  return step;
}

BatchAssembler::Step BatchAssembler::refuse(std::string_view id, int64_t offset, StageError why,
                                            Clock::time_point now) {
  Batch* found = seen(id, offset, now);
  if (!found) return {};
  Batch& b = *found;
  if (b.how == Opening::DeliveredBefore) return only(Verdict::ReadPast);
  Step step;
  step.replay = hold(b, offset, std::move(why));
  step.verdict = Verdict::DeadLetter;
  step.held = b.held;
  return step;
}

void BatchAssembler::appended(std::string_view id, std::string_view source, std::optional<std::string_view> converted) {
  auto it = batches_.find(id);
  if (it == batches_.end()) return;
  Batch& b = it->second;
  if (converted && !b.output_sum) b.output_sum = b.source_sum.copy();
  if (b.count++ > 0) {
    b.source_sum.update("\n");
    if (b.output_sum) b.output_sum->update("\n");
  }
  b.source_sum.update(source);
  if (b.output_sum) b.output_sum->update(converted ? *converted : source);
}

BatchAssembler::Step BatchAssembler::end(std::string_view id, int64_t offset, std::optional<std::string_view> marker,
                                         Clock::time_point now) {
  Batch* found = seen(id, offset, now);
  if (!found) return {};
  Batch& b = *found;
  if (b.how == Opening::DeliveredBefore) return only(Verdict::DeliveredBefore);
  Step step;
  auto parsed = marker ? BatchEnd::parse(*marker) : std::nullopt;
  if (!parsed) step.replay = hold(b, offset, {"bad-header", "unreadable renkei-batch-end header"});
  // The source's file name becomes part of the delivered file's name.
  if (parsed) {
    if (auto name = SpoolName::parse(parsed->name); !name) {
      step.replay = hold(b, offset, {"bad-name", "renkei-batch-end: " + name.error().message()});
      parsed.reset();
    }
  }
  if (!b.held && parsed) {
    if (parsed->final_newline) {
      b.source_sum.update("\n");
      if (b.output_sum) b.output_sum->update("\n");
    }
    const std::string source_hex = b.source_sum.hex();
    if (parsed->count != b.count || parsed->sha256 != source_hex) {
      step.replay = hold(b, offset,
                         {"bad-record", "batch " + std::string(id) + " does not match its end marker: " +
                                            std::to_string(b.count) + " records, expected " +
                                            std::to_string(parsed->count) +
                                            (parsed->count == b.count ? ", checksum of the source bytes differs" : "")});
    } else {
      step.verdict = Verdict::Commit;
      step.end = *parsed;
      step.end.sha256 = b.output_sum ? b.output_sum->hex() : source_hex;
      return step;
    }
  }
  step.verdict = Verdict::HeldEnd;
  step.held = b.held;
  // The file's name (a SpoolName, checked above) still says which file was held.
  if (parsed) step.end.name = parsed->name;
  return step;
}

std::optional<int64_t> BatchAssembler::close(std::string_view id) {
  auto it = batches_.find(id);
  if (it == batches_.end()) return std::nullopt;
  const int64_t first = it->second.first_offset;
  batches_.erase(it);
  return first;
}

std::vector<BatchAssembler::Expired> BatchAssembler::expire(Clock::time_point now, std::chrono::milliseconds timeout) {
  std::vector<Expired> out;
  for (auto it = batches_.begin(); it != batches_.end();) {
    const Batch& b = it->second;
    if (now - b.last_seen < timeout) {
      ++it;
      continue;
    }
    Expired e;
    e.id = it->first;
    e.first_offset = b.first_offset;
    e.last_offset = b.last_offset;
    e.delivered_before = b.how == Opening::DeliveredBefore;
    e.appending = b.how == Opening::Deliver;
    e.held = b.held;
    e.silent = std::chrono::duration_cast<std::chrono::seconds>(now - b.last_seen);
    out.push_back(std::move(e));
    it = batches_.erase(it);
  }
  return out;
}

std::vector<int64_t> BatchAssembler::abandon_all() {
  std::vector<int64_t> firsts;
  for (const auto& [id, b] : batches_) firsts.push_back(b.first_offset);
  batches_.clear();
  std::sort(firsts.begin(), firsts.end());
  return firsts;
}

std::vector<std::string> BatchAssembler::appending() const {
  std::vector<std::string> ids;
  for (const auto& [id, b] : batches_)
    if (b.how == Opening::Deliver) ids.push_back(id);
  return ids;
}

}  // namespace renkei
