#include "model/counted.h"

#include <algorithm>
#include <map>

namespace pooltag::model {

Snapshot split_by_stack(Snapshot snapshot, const std::vector<StackCounts> &stacks) {
  std::map<uint32_t, size_t> index;  // site id -> its place, before any split is appended
  for (size_t i = 0; i < snapshot.sites.size(); ++i) index[snapshot.sites[i].id] = i;
  auto take = [](uint64_t &from, uint64_t n) {
    uint64_t t = std::min(from, n);  // never below zero
    from -= t;
    return t;
  };
  for (const auto &stack : stacks) {
    auto it = index.find(stack.site);
    if (it == index.end()) continue;
    SiteSample split = snapshot.sites[it->second];
    Counts &whole = snapshot.sites[it->second].counts;
    split.site.stack_id = stack.stack_id;
    split.counts = Counts{};
    split.counts.allocs = take(whole.allocs, stack.allocs);
    split.counts.frees = take(whole.frees, stack.frees);
    split.counts.alloc_bytes = take(whole.alloc_bytes, stack.alloc_bytes);
    split.counts.free_bytes = take(whole.free_bytes, stack.free_bytes);
    snapshot.sites.push_back(std::move(split));
  }
  return snapshot;
}

Snapshot scale_to_estimates(Snapshot snapshot) {
  const uint64_t k = std::max<uint32_t>(snapshot.sample_every, 1);
  for (auto &site : snapshot.sites) {
    Counts &c = site.counts;
    c = Counts{c.allocs * k,    c.frees * k,           c.alloc_bytes * k,   c.free_bytes * k,
               c.untracked * k, c.untracked_bytes * k, c.implicit_frees * k};
  }
  return snapshot;
}

std::vector<StackCounts> scale_to_estimates(std::vector<StackCounts> stacks, uint32_t sample_every) {
  const uint64_t k = std::max<uint32_t>(sample_every, 1);
  for (auto &s : stacks) {
    s.allocs *= k;
    s.frees *= k;
    s.alloc_bytes *= k;
    s.free_bytes *= k;
  }
  return stacks;
}

}  // namespace pooltag::model
