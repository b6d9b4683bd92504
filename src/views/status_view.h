// `pooltag status` as text or JSON: a running tagging (model::TaggingStatus
// with the capabilities it runs with) or none.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/status.h"
#include "views/kernel_view.h"

namespace pooltag::views {

std::string status_text(const model::TaggingStatus &status, const std::vector<Capability> &capabilities);
nlohmann::json status_json(const model::TaggingStatus &status, const std::vector<Capability> &capabilities);

// Nothing is pinned at `pin_dir`.
std::string not_enabled_text();
nlohmann::json not_enabled_json(const std::string &pin_dir);

}  // namespace pooltag::views
