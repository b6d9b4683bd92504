#include "views/find_view.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/units.h"
#include "views/stack_view.h"
#include "views/used_view.h"

namespace pooltag::views {

std::vector<FindGroup> group_by_stack(const std::vector<model::LiveAllocation> &allocations,
                                      const FrameSource &frames) {
  std::map<int32_t, FindGroup> by_stack;
  for (const auto &a : allocations) {
    FindGroup &g = by_stack[a.stack_id < 0 ? -1 : a.stack_id];
    g.stack_id = a.stack_id < 0 ? -1 : a.stack_id;
    ++g.count;
    g.bytes += a.size;
    g.oldest_ns = std::max(g.oldest_ns, a.age_ns);
  }
  std::vector<FindGroup> out;
  for (auto &[id, g] : by_stack) {
    if (id >= 0 && frames) g.frames = frames(id);
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const FindGroup &a, const FindGroup &b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.count != b.count) return a.count > b.count;
    return a.stack_id < b.stack_id;
  });
  return out;
}

std::string hex_dump(const std::vector<uint8_t> &bytes, uint64_t base, const std::string &indent) {
  std::string out;
  for (size_t off = 0; off < bytes.size(); off += 16) {
    std::string hex, ascii;
    for (size_t i = 0; i < 16; ++i) {
      if (off + i < bytes.size()) {
        uint8_t b = bytes[off + i];
        hex += fmt::format("{:02x}{}", b, i == 7 ? "-" : " ");
        ascii += (b >= 0x20 && b < 0x7f) ? static_cast<char>(b) : '.';
      } else {
        hex += "   ";
      }
    }
    out += fmt::format("{}{:016x}  {} {}\n", indent, base + off, hex, ascii);
  }
  return out;
}

std::string hex_string(const std::vector<uint8_t> &bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string render_find_text(const std::vector<FindGroup> &groups, const std::vector<model::LiveAllocation> &list,
                             const FindViewOptions &options, const FrameSource &frames) {
  uint64_t count = 0, bytes = 0;
  for (const auto &g : groups) {
    count += g.count;
    bytes += g.bytes;
  }
  std::string out = fmt::format("Searching for tag '{}': {}{} outstanding allocations, {}{} bytes\n", options.tag,
                                options.upper_bound ? kUpperBoundMark : "", format_count(count),
                                options.upper_bound ? kUpperBoundMark : "", format_count(bytes));
  if (options.upper_bound)
    out += fmt::format("{} some of these objects may be freed already: this tag's objects are also freed in bulk or "
                       "in RCU batches, which fire no event on this kernel (docs/engine.md#bulk-frees)\n",
                       kUpperBoundMark);
  if (auto reuse = stack_reuse_line(options.stack_reuse); !reuse.empty()) out += reuse + "\n";
  if (options.list) {
    out += fmt::format("\n{:<18} {:>8} {:>9} {:>8}  {:<16} {:<24} {}\n", "Address", "Size", "Age", "Pid", "Comm",
                       "Tag", "Pool");
    for (const auto &a : list) {
      auto [tag, pool] = options.describe_site ? options.describe_site(a.site) : std::pair<std::string, std::string>{};
      out += fmt::format("{:016x}   {:>8} {:>9} {:>8}  {:<16} {:<24} {}\n", a.address, a.size,
                         format_duration_ns(a.age_ns), a.pid, a.comm, tag, pool);
      if (options.dumps != nullptr) {
        auto it = options.dumps->find(a.address);
        if (it != options.dumps->end() && !it->second.empty()) out += hex_dump(it->second, a.address);
      }
    }
    return out;
  }
  for (const auto &g : groups) {
    out += fmt::format("\n{} allocations, {} bytes, oldest {}:\n", format_count(g.count), format_count(g.bytes),
                       format_duration_ns(g.oldest_ns));
    if (g.stack_id < 0) {
      out += "    (no stack recorded: pooltag stacks TAG records them for new allocations)\n";
      continue;
    }
    std::vector<std::string> f = g.frames.empty() && frames ? frames(g.stack_id) : g.frames;
    if (f.empty()) out += "    (stack no longer in the stack table)\n";
    for (const auto &frame : f) out += "    " + frame + "\n";
  }
  return out;
}

nlohmann::json find_json(const std::vector<FindGroup> &groups, const std::vector<model::LiveAllocation> &list,
                         const FindViewOptions &options, const FrameSource &frames) {
  nlohmann::json gs = nlohmann::json::array();
  for (const auto &g : groups)
    gs.push_back({{"count", g.count},
                  {"bytes", g.bytes},
                  {"oldest_age_ns", g.oldest_ns},
                  {"stack_id", g.stack_id},
                  {"stack", g.frames}});
  nlohmann::json as = nlohmann::json::array();
  if (options.list) {
    for (const auto &a : list) {
      auto [tag, pool] = options.describe_site ? options.describe_site(a.site) : std::pair<std::string, std::string>{};
      nlohmann::json j = {{"address", a.address}, {"size", a.size}, {"age_ns", a.age_ns}, {"pid", a.pid},
                          {"comm", a.comm},       {"tag", tag},     {"pool", pool},
                          {"stack", a.stack_id >= 0 && frames ? frames(a.stack_id) : std::vector<std::string>{}}};
      if (options.dumps != nullptr) {
        auto it = options.dumps->find(a.address);
        j["dump"] = it != options.dumps->end() ? hex_string(it->second) : "";
      }
      as.push_back(std::move(j));
    }
  }
  return {{"tag", options.tag},
          {"groups", gs},
          {"allocations", as},
          {"upper_bound", options.upper_bound},
          {"stack_reuse", stack_reuse_json(options.stack_reuse)}};
}

std::string render_address_owner(uint64_t address, const std::optional<model::AddressOwner> &owner,
                                 const model::CodeSymbolizer &symbols) {
  if (!owner) return fmt::format("{:016x} is not in a tracked allocation\n", address);
  const model::LiveAllocation &a = owner->allocation;
  std::string out = fmt::format("{:016x} is inside an allocation of tag '{}':\n", address, owner->tag);
  out += fmt::format("  start {:016x}  size {}  offset 0x{:x}  pool {}  age {}  by {} ({})\n", a.address, a.size,
                     address - a.address, model::pool_name(owner->site.pool), format_duration_ns(a.age_ns), a.comm,
                     a.pid);
  if (owner->site.code_address != 0)
    out += fmt::format("  allocated at {}\n", symbols.describe(owner->site.code_address));
  if (a.stack_id >= 0) {
    out += render_kb(owner->stack, symbols);
    if (auto reuse = stack_reuse_line(owner->stack_reuse); !reuse.empty()) out += "  " + reuse + "\n";
  }
  return out;
}

}  // namespace pooltag::views
