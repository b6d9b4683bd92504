// From counts as a source counted them to the counts the views show: the
// two steps the kernel's numbers take on their way up (engine/session.cpp
// applies them to what kernel::PinnedState reads). Pure functions of plain
// data: any source of snapshots can use them, unit tests pin them down.
#pragma once

#include <cstdint>
#include <vector>

#include "model/snapshot.h"

namespace pooltag::model {

// Splits each site by the stacks recorded for it (--by stack): every stack
// of a site in the snapshot becomes a site of its own (Site::stack_id, the
// same id and place), appended after the sites, with the stack's
// allocations, frees and bytes taken from its site; the site keeps what no
// stack holds. Site and stack counters are read a moment apart, so a stack
// takes at most what its site still has. Stacks of absent sites are left out.
Snapshot split_by_stack(Snapshot snapshot, const std::vector<StackCounts> &stacks);

// Sampled counts (enable --sample: one allocation in sample_every tracked)
// made estimates of all allocations: every site count times sample_every.
// sample_every stays, so that the views say the counts are estimates.
// Apply once, to counts as counted.
Snapshot scale_to_estimates(Snapshot snapshot);
std::vector<StackCounts> scale_to_estimates(std::vector<StackCounts> stacks, uint32_t sample_every);

}  // namespace pooltag::model
