// What `pooltag kd` shares with `pooltag leaks`: the leak ranking as both
// ask for it, so that `kd> !leaks` and `pooltag leaks` run the same code.
// The ranking is the engine's (engine/leaks.h); what is the command line's
// is here: a watch checks root, samples the pinned state by `tags`
// (LiveSampler) and shows its progress on a terminal. Implemented in
// cmd_leaks.cpp. (The hit tag, hit stream, find and pool lookup that kd
// shares with hit, find and pool are the engine's too: engine/session.h.)
#pragma once

#include <functional>

#include "cli/reader.h"
#include "common/result.h"
#include "engine/leaks.h"

namespace pooltag::cli {

Result<engine::LeakRanking> rank_leaks(Context &ctx, const engine::LeaksQuery &query, const TagArgs &tags,
                                       const std::function<bool()> &stop);

}  // namespace pooltag::cli
