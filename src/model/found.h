// What the engine finds in the live table (engine/session.h) and the views
// print: the outstanding allocations of a tag (find, !poolfind) and the
// allocation holding an address (pool, !pool). Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace pooltag::model {

struct FoundAllocations {
  std::map<uint32_t, SiteSample> sites;  // the matching sites, by id
  std::vector<LiveAllocation> allocations;  // oldest first
  StackReuse stack_reuse;                   // how the stacks were taken
};

struct AddressOwner {
  uint64_t address = 0;     // the address asked about
  LiveAllocation allocation;  // the allocation holding it
  Site site;                // the allocation's site
  std::string tag;          // the site's tag
  std::vector<uint64_t> stack;  // its recorded stack (allocation.stack_id >= 0), innermost first
  StackReuse stack_reuse;       // how the stacks were taken
};

}  // namespace pooltag::model
