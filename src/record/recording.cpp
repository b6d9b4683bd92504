#include "record/recording.h"

namespace pooltag::record {

std::vector<TagValue> tag_values(const model::TagTable &table) {
  std::vector<TagValue> out;
  for (const auto &row : table.rows())
    for (model::Pool p : model::kAllPools) {
      const model::Counts &c = row.pool(p);
      if (c.empty()) continue;
      out.push_back(TagValue{row.tag, p, row.owner, row.description, {c.allocs, c.frees, c.bytes(), c.implicit_frees}});
    }
  return out;
}

void RecordingBuilder::add(const Sample &sample) {
  Recording &r = recording_;
  Recording::Instant instant{sample.time_ns, -1, sample.meminfo};
  if (sample.session) {
    auto [it, added] = sessions_.emplace(*sample.session, static_cast<int>(r.sessions.size()));
    if (added) r.sessions.push_back(*sample.session);
    instant.session = it->second;
  }
  auto index = static_cast<uint32_t>(r.instants.size());
  r.instants.push_back(instant);
  ++r.samples_recorded;
  for (const auto &v : sample.tags) {
    auto [it, added] = series_.emplace(std::make_pair(v.tag, v.pool), r.series.size());
    if (added) r.series.push_back(Recording::Series{v.tag, v.pool, v.owner, v.description, {}});
    r.series[it->second].points.push_back(Recording::Point{index, v.counts});
  }
  for (const auto &s : sample.stacks) {
    auto [it, added] = stacks_.emplace(std::make_pair(instant.session, s.stack_id), r.stacks.size());
    if (added) r.stacks.push_back(Recording::Stack{instant.session, s});
    r.stacks[it->second].value = s;
  }
}

}  // namespace pooltag::record
