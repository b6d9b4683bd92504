// The !poolfind view: outstanding allocations of a tag, grouped by stack
// (largest first) or listed one by one, with hex dumps. Reads the model only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/found.h"
#include "model/snapshot.h"
#include "model/tagging.h"

namespace pooltag::views {

struct FindGroup {
  int32_t stack_id = -1;
  std::vector<std::string> frames;  // empty: no stack recorded
  uint64_t count = 0;
  uint64_t bytes = 0;
  uint64_t oldest_ns = 0;
};

using FrameSource = std::function<std::vector<std::string>(int32_t stack_id)>;

// Groups by stack id, largest (bytes, then count) first.
std::vector<FindGroup> group_by_stack(const std::vector<model::LiveAllocation> &allocations,
                                      const FrameSource &frames);

// WinDbg db layout: "ffff8881...  41 62 63 20 ...  Abc ...", 16 bytes a line.
std::string hex_dump(const std::vector<uint8_t> &bytes, uint64_t base, const std::string &indent = "    ");
// Hex string without spaces, for JSON.
std::string hex_string(const std::vector<uint8_t> &bytes);

struct FindViewOptions {
  std::string tag;
  bool list = false;
  const std::map<uint64_t, std::vector<uint8_t>> *dumps = nullptr;  // address -> bytes
  // tag and pool of an allocation's site
  std::function<std::pair<std::string, std::string>(uint32_t site)> describe_site;
  // the tag's counts are upper bounds (model::Counts::upper_bound): some of
  // the objects listed may have been freed in bulk, without an event
  bool upper_bound = false;
  model::StackReuse stack_reuse;  // how the stacks were taken: reuse is said under the header
};

std::string render_find_text(const std::vector<FindGroup> &groups, const std::vector<model::LiveAllocation> &list,
                             const FindViewOptions &options, const FrameSource &frames);
nlohmann::json find_json(const std::vector<FindGroup> &groups, const std::vector<model::LiveAllocation> &list,
                         const FindViewOptions &options, const FrameSource &frames);

// !pool: the allocation holding an address (start, size, offset, pool,
// age, owner, where it was allocated, its stack), or that none does.
std::string render_address_owner(uint64_t address, const std::optional<model::AddressOwner> &owner,
                                 const model::CodeSymbolizer &symbols);

}  // namespace pooltag::views
