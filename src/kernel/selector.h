// From tag patterns to what the kernel side can test at a new site: the
// code ranges of the call sites whose tag matches. Used for the hit tag
// (PoolHitTag) and for the stack tags (--stacks).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "kernel/loader.h"
#include "model/tagging.h"
#include "symbols/kallsyms.h"

namespace pooltag::kernel {

// Patterns (`*`, `?`) on tag names, in the given grouping, optionally
// through a tag file. "*" alone selects everything. With --by cache the
// kernel cannot tell a new site's tag by its code address: the selection
// has no ranges and only sites that exist are marked (by mark_sites).
Result<TagSelection> select_call_sites(const symbols::KernelSymbols &symbols, const std::vector<std::string> &patterns,
                                       model::Grouping grouping, const model::TagFile *tags);

}  // namespace pooltag::kernel
