// A hit of the hit tag (pooltag hit, kd's g): one line per event; its stack
// is render_kb's (stack_view.h). Reads the model only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/snapshot.h"
#include "model/tagging.h"

namespace pooltag::views {

// "alloc TAG [pool] address 0x... size N by COMM (PID/TID)": one hit event.
std::string hit_line(const model::HitEvent &event, const std::string &tag, model::Pool pool);
// hit --json: one object per event, its stack as frames.
nlohmann::json hit_json(const model::HitEvent &event, const std::string &tag, model::Pool pool,
                        const model::CodeSymbolizer &symbols);

}  // namespace pooltag::views
