#include "views/hit_view.h"

#include <fmt/format.h>

namespace pooltag::views {

std::string hit_line(const model::HitEvent &ev, const std::string &tag, model::Pool pool) {
  const char *kind = ev.kind == model::HitEvent::Kind::Alloc ? "alloc" : "free";
  return fmt::format("{} {} [{}] address 0x{:x} size {} by {} ({}/{}){}", kind, tag, model::pool_name(pool),
                     ev.address, ev.size, ev.comm, ev.pid, ev.tid, ev.stopped ? ", task stopped" : "");
}

}  // namespace pooltag::views
