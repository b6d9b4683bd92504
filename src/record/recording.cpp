#include "record/recording.h"

#include <fstream>
#include <sstream>

namespace pooltag::record {

Meminfo parse_meminfo(std::string_view text) {
  Meminfo m;
  const std::pair<std::string_view, uint64_t *> fields[] = {
      {"Slab:", &m.slab}, {"SUnreclaim:", &m.sunreclaim}, {"Percpu:", &m.percpu}, {"VmallocUsed:", &m.vmalloc_used}};
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    for (const auto &[name, out] : fields) {
      if (line.substr(0, name.size()) != name) continue;
      std::istringstream in{std::string(line.substr(name.size()))};
      uint64_t value = 0;
      std::string unit;
      if (in >> value) *out = (in >> unit && unit == "kB") ? value * 1024 : value;
    }
  }
  return m;
}

Result<Meminfo> read_meminfo(const std::string &path) {
  std::ifstream in(path);
  if (!in) return error_from_errno("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_meminfo(text.str());
}

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
