// Table cells of a fixed width, shared by the tables that fit a screen
// (mon, used): numbers are exact when they fit, else scaled (counts by
// 1000: k M G T; bytes by 1024: K M G T), else '#'s; a cell never exceeds
// its width. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/snapshot.h"

namespace pooltag::views {

std::string count_cell(int64_t value, size_t width);
std::string bytes_cell(int64_t value, size_t width);
// A change: "+N" or "-N", blank when zero.
std::string delta_cell(int64_t delta, size_t width, bool bytes);
std::string type_cell(model::Pool pool, size_t width);  // "vmalloc", or "vmal" when narrow
// A number cell of a count that is an upper bound keeps its mark
// (used_view.h's "≤") and gives up a column for it.
std::string bounded_cell(std::string (*cell)(int64_t, size_t), int64_t value, size_t width, bool upper_bound);

// `text` padded to `width`, on the left (left = true) or right aligned.
std::string align(std::string_view text, size_t width, bool left);

}  // namespace pooltag::views
