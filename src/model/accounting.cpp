#include "model/accounting.h"

#include <fmt/format.h>

#include <sstream>

#include "common/text.h"

namespace pooltag::model {

size_t LiveAccounting::site_index(const Site &site) {
  SiteKey key{site.code_address, site.pool, site.cache, site.variant};
  auto [it, inserted] = site_index_.try_emplace(key, sites_.size());
  if (inserted) sites_.push_back(SiteSample{site, Counts{}});
  return it->second;
}

void LiveAccounting::on_alloc(uint64_t address, uint64_t size, const Site &site) {
  size_t idx = site_index(site);
  if (auto it = live_.find(address); it != live_.end()) {
    Counts &old = sites_[it->second.site].counts;
    ++old.frees;
    old.free_bytes += it->second.size;
    ++old.implicit_frees;
    ++losses_.implicit_frees;
    live_.erase(it);
  }
  Counts &c = sites_[idx].counts;
  if (live_.size() >= capacity_) {
    ++c.untracked;
    c.untracked_bytes += size;
    ++losses_.untracked;
    return;
  }
  ++c.allocs;
  c.alloc_bytes += size;
  live_.emplace(address, LiveAllocation{idx, size});
}

void LiveAccounting::on_free(uint64_t address) {
  auto it = live_.find(address);
  if (it == live_.end()) {
    ++free_unmatched_;
    return;
  }
  Counts &c = sites_[it->second.site].counts;
  ++c.frees;
  c.free_bytes += it->second.size;
  live_.erase(it);
}

Snapshot LiveAccounting::snapshot() const {
  Snapshot s;
  s.sites = sites_;
  s.losses = losses_;
  s.free_unmatched = free_unmatched_;
  s.live_used = live_.size();
  s.live_capacity = capacity_ == UINT64_MAX ? 0 : capacity_;  // 0: unbounded
  for (const auto &site : sites_) s.pools.add(site.site.pool);
  return s;
}

Status replay_events(std::istream &in, LiveAccounting &accounting) {
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string op;
    if (!(fields >> op)) continue;
    auto bad = [&](std::string_view why) {
      return Error{fmt::format("event stream line {}: {}", line_no, why), kExitUsage};
    };
    if (op == "alloc") {
      std::string pool_text, cache;
      uint64_t address = 0, size = 0, code = 0;
      if (!(fields >> pool_text >> std::hex >> address >> std::dec >> size >> std::hex >> code))
        return bad("expected 'alloc POOL ADDRESS SIZE CODE_ADDRESS [CACHE]'");
      fields >> cache;
      auto pool = parse_pool(pool_text);
      if (!pool) return bad(fmt::format("unknown pool '{}'", printable(pool_text)));
      accounting.on_alloc(address, size, Site{code, *pool, cache, 0});
    } else if (op == "free") {
      uint64_t address = 0;
      if (!(fields >> std::hex >> address)) return bad("expected 'free ADDRESS'");
      accounting.on_free(address);
    } else {
      return bad(fmt::format("unknown event '{}'", printable(op)));
    }
  }
  return Ok{};
}

}  // namespace pooltag::model
