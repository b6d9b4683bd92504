#include "model/snapshot.h"

#include <fmt/format.h>

namespace pooltag::model {

std::string_view pool_name(Pool pool) {
  switch (pool) {
    case Pool::Slab: return "slab";
    case Pool::Percpu: return "percpu";
    case Pool::Vmalloc: return "vmalloc";
    case Pool::Page: return "page";
  }
  return "?";
}

std::optional<Pool> parse_pool(std::string_view name) {
  for (Pool p : kAllPools)
    if (pool_name(p) == name) return p;
  return std::nullopt;
}

std::string PoolSet::to_string() const {
  std::string out;
  for (Pool p : kAllPools) {
    if (!has(p)) continue;
    if (!out.empty()) out += ',';
    out += pool_name(p);
  }
  return out.empty() ? "none" : out;
}

Result<PoolSet> parse_pool_list(std::string_view list) {
  if (list == "all") return PoolSet::all();
  PoolSet set;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    auto pool = parse_pool(item);
    if (!pool)
      return Error{fmt::format("unknown pool type '{}' (pools: slab, percpu, vmalloc, page, all)", item),
                   kExitUsage};
    set.add(*pool);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (set.mask == 0) return Error{"empty pool list", kExitUsage};
  return set;
}

Counts &Counts::operator+=(const Counts &o) {
  allocs += o.allocs;
  frees += o.frees;
  alloc_bytes += o.alloc_bytes;
  free_bytes += o.free_bytes;
  untracked += o.untracked;
  untracked_bytes += o.untracked_bytes;
  implicit_frees += o.implicit_frees;
  return *this;
}

bool Losses::any() const {
  return untracked || table_busy || implicit_frees || site_overflow || recursion_misses || stack_errors || no_caller ||
         stack_collisions || stack_full || hit_drops || bulk_unseen || stack_reuse.reused;
}

}  // namespace pooltag::model
