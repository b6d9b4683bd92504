#include "kernel/pin_layout.h"

#include <bpf/libbpf.h>
#include <dirent.h>

#include "pooltag.h"  // the skeleton's types
#include "pooltag_bpf.skel.h"

namespace pooltag::kernel::pins {

namespace {

using Skel = ::pooltag_bpf;

constexpr std::array<PinnedObject, kCount> kObjects = {{
    {Pin::State, "state", [](Skel &s) { return s.maps.state; }, nullptr, true},
    {Pin::LiveKeys, "live_keys", [](Skel &s) { return s.maps.live_keys; }, nullptr, true},
    {Pin::LiveEntries, "live_entries", [](Skel &s) { return s.maps.live_entries; }, nullptr, true},
    {Pin::LiveHash, "live_hash", [](Skel &s) { return s.maps.live_hash; }, nullptr, true},
    {Pin::Sites, "sites", [](Skel &s) { return s.maps.sites; }, nullptr, true},
    {Pin::SiteStats, "site_stats", [](Skel &s) { return s.maps.site_stats; }, nullptr, true},
    {Pin::Counters, "counters", [](Skel &s) { return s.maps.counters; }, nullptr, true},
    {Pin::AllocatorRanges, "allocator_ranges", [](Skel &s) { return s.maps.allocator_ranges; }, nullptr, false},
    {Pin::Stacks, "stacks", [](Skel &s) { return s.maps.stacks; }, nullptr, true},
    {Pin::StackStats, "stack_stats", [](Skel &s) { return s.maps.stack_stats; }, nullptr, true},
    {Pin::HitEvents, "hit_events", [](Skel &s) { return s.maps.hit_events; }, nullptr, true},
    {Pin::PoolHitTag, "poolhittag", [](Skel &s) { return s.maps.data_poolhittag; }, nullptr, true},
    {Pin::StackTags, "stacktags", [](Skel &s) { return s.maps.data_stacktags; }, nullptr, true},
    {Pin::DumpRequest, "dump_request", [](Skel &s) { return s.maps.dump_request; }, nullptr, true},
    {Pin::DumpOutput, "dump_output", [](Skel &s) { return s.maps.dump_output; }, nullptr, true},
    {Pin::DumpProgram, "prog_dump", nullptr, [](Skel &s) { return s.progs.pt_dump; }, true},
}};

constexpr bool well_formed() {
  for (size_t i = 0; i < kCount; ++i) {
    const auto &o = kObjects[i];
    if (index(o.pin) != i || o.name.empty() || is_link(o.name)) return false;
    if ((o.map == nullptr) == (o.program == nullptr)) return false;
    for (size_t j = 0; j < i; ++j)
      if (kObjects[j].name == o.name) return false;
  }
  return true;
}
static_assert(well_formed(), "pins: one row per Pin, in its order, names unique and not a link's, a map or a program");

}  // namespace

const std::array<PinnedObject, kCount> &objects() { return kObjects; }

std::optional<std::vector<std::string>> entries(const std::string &dir) {
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  std::vector<std::string> out;
  while (dirent *e = readdir(d))
    if (std::string_view name = e->d_name; name != "." && name != "..") out.emplace_back(name);
  closedir(d);
  return out;
}

std::vector<std::string> links(const std::string &dir) {
  std::vector<std::string> out;
  for (auto &name : entries(dir).value_or(std::vector<std::string>{}))
    if (is_link(name)) out.push_back(std::move(name));
  return out;
}

}  // namespace pooltag::kernel::pins
