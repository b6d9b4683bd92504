#include "views/hit_view.h"

#include <fmt/format.h>

#include "views/stack_view.h"

namespace pooltag::views {

std::string hit_line(const model::HitEvent &ev, const std::string &tag, model::Pool pool) {
  const char *kind = ev.kind == model::HitEvent::Kind::Alloc ? "alloc" : "free";
  return fmt::format("{} {} [{}] address 0x{:x} size {} by {} ({}/{}){}", kind, tag, model::pool_name(pool),
                     ev.address, ev.size, ev.comm, ev.pid, ev.tid, ev.stopped ? ", task stopped" : "");
}

nlohmann::json hit_json(const model::HitEvent &ev, const std::string &tag, model::Pool pool,
                        const model::CodeSymbolizer &symbols) {
  const char *kind = ev.kind == model::HitEvent::Kind::Alloc ? "alloc" : "free";
  return {{"event", kind},      {"tag", tag},      {"pool", model::pool_name(pool)},
          {"address", ev.address}, {"size", ev.size}, {"pid", ev.pid},
          {"tid", ev.tid},      {"comm", ev.comm}, {"time_ns", ev.time_ns},
          {"stopped", ev.stopped}, {"stack", stack_frames(ev.stack, symbols)}};
}

}  // namespace pooltag::views
