// Alloc/free matching in user space, with the same rules as the kernel
// programs (bpf/pooltag.bpf.c): a free matches the live allocation at its
// address; an allocation at an address that is still live retires the old
// one as an implicit free; a free of an unknown address is counted, not
// charged; beyond capacity an allocation is counted as untracked.
//
// It drives the replay tier (recorded event streams -> snapshot -> views)
// and is the accounting a user-mode event source will use.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "model/snapshot.h"

namespace pooltag::model {

class LiveAccounting {
 public:
  explicit LiveAccounting(uint64_t capacity = UINT64_MAX) : capacity_(capacity) {}

  void on_alloc(uint64_t address, uint64_t size, const Site &site);
  void on_free(uint64_t address);

  Snapshot snapshot() const;
  size_t live() const { return live_.size(); }

 private:
  using SiteKey = std::tuple<uint64_t, Pool, std::string, uint64_t>;
  struct LiveAllocation {
    size_t site;
    uint64_t size;
  };
  size_t site_index(const Site &site);

  uint64_t capacity_;
  std::map<SiteKey, size_t> site_index_;
  std::vector<SiteSample> sites_;
  std::unordered_map<uint64_t, LiveAllocation> live_;
  uint64_t free_unmatched_ = 0;
  Losses losses_;
};

// Reads a recorded event stream into an accounting. Format, one event a line
// ('#' starts a comment):
//   alloc POOL ADDRESS SIZE CODE_ADDRESS [CACHE]
//   free ADDRESS
// Addresses and code addresses in hex (0x...), sizes in decimal.
Status replay_events(std::istream &in, LiveAccounting &accounting);

}  // namespace pooltag::model
