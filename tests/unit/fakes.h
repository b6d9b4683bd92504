// Fakes shared by the unit tests.
#pragma once

#include <map>

#include "model/tagging.h"

namespace pooltag::testing {

// Symbolizer over a fixed table of [start, start + 0x100) functions.
class FakeSymbolizer : public model::CodeSymbolizer {
 public:
  void add(uint64_t start, std::string function, std::string module = "vmlinux") {
    functions_[start] = {std::move(function), std::move(module)};
  }
  std::optional<model::CodeLocation> caller(uint64_t return_address) const override {
    uint64_t a = return_address - 1;
    auto it = functions_.upper_bound(a);
    if (it == functions_.begin()) return std::nullopt;
    --it;
    if (a >= it->first + 0x100) return std::nullopt;
    return it->second;
  }

 private:
  std::map<uint64_t, model::CodeLocation> functions_;
};

inline model::SiteSample sample(uint64_t code, model::Pool pool, uint64_t allocs, uint64_t frees, uint64_t size,
                                std::string cache = "") {
  model::SiteSample s;
  s.site = model::Site{code, pool, std::move(cache), 0};
  s.counts.allocs = allocs;
  s.counts.frees = frees;
  s.counts.alloc_bytes = allocs * size;
  s.counts.free_bytes = frees * size;
  return s;
}

// An outstanding allocation of pid 42 "leaker".
inline model::LiveAllocation live_allocation(uint64_t address, uint64_t size, uint64_t age_ns, int32_t stack_id = -1,
                                             uint32_t site = 0) {
  model::LiveAllocation a;
  a.address = address;
  a.size = size;
  a.age_ns = age_ns;
  a.stack_id = stack_id;
  a.site = site;
  a.pid = 42;
  a.comm = "leaker";
  return a;
}

}  // namespace pooltag::testing
