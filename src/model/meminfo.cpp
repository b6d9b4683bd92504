#include "model/meminfo.h"

#include <charconv>

#include "common/text.h"

namespace pooltag::model {

namespace {

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

}  // namespace

MemInfo parse_meminfo(std::string_view text) {
  MemInfo m;
  const std::pair<std::string_view, std::optional<uint64_t> *> fields[] = {
      {"Slab:", &m.slab},
      {"SUnreclaim:", &m.sunreclaim},
      {"Percpu:", &m.percpu},
      {"VmallocUsed:", &m.vmalloc_used},
      {"MemAvailable:", &m.mem_available}};
  for (std::string_view line : Lines(text)) {
    line = skip_spaces(line);
    for (const auto &[name, out] : fields) {
      if (line.substr(0, name.size()) != name) continue;
      std::string_view rest = skip_spaces(line.substr(name.size()));
      uint64_t value = 0;
      auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
      if (ec != std::errc()) break;
      std::string_view unit = skip_spaces(rest.substr(static_cast<size_t>(end - rest.data())));
      unit = unit.substr(0, unit.find_first_of(" \t\r"));
      *out = unit == "kB" ? value * 1024 : value;
      break;
    }
  }
  return m;
}

}  // namespace pooltag::model
