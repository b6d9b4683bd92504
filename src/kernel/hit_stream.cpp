#include "kernel/hit_stream.h"

#include <bpf/libbpf.h>

#include <unistd.h>

#include <cstring>

#include "kernel/loader.h"

namespace pooltag::kernel {

Result<std::unique_ptr<HitStream>> HitStream::open(const PinnedState &state, uint64_t since_monotonic_ns,
                                                   Handler handler) {
  std::unique_ptr<HitStream> s(new HitStream());
  s->state_ = &state;
  s->since_ = since_monotonic_ns;
  s->handler_ = std::move(handler);
  s->rb_ = ring_buffer__new(state.hit_events_fd(), &HitStream::on_sample, s.get(), nullptr);
  if (s->rb_ == nullptr) return error_from_errno("cannot open the hit event ring buffer");
  return s;
}

HitStream::~HitStream() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
}

int HitStream::on_sample(void *self, void *data, size_t size) {
  auto *s = static_cast<HitStream *>(self);
  if (size < sizeof(pt_hit_event)) return 0;
  pt_hit_event ev;
  std::memcpy(&ev, data, sizeof ev);
  if (ev.time_ns < s->since_) return 0;
  model::HitEvent out;
  out.kind = ev.kind == PT_HIT_FREE ? model::HitEvent::Kind::Free : model::HitEvent::Kind::Alloc;
  out.time_ns = ev.time_ns;
  out.address = ev.addr;
  out.size = ev.size;
  out.site = ev.site;
  out.pid = ev.pid;
  out.tid = ev.tid;
  out.comm.assign(ev.comm, strnlen(ev.comm, sizeof ev.comm));
  out.stopped = ev.stopped != 0;
  out.stack = s->state_->stack(ev.stack_id);
  s->handler_(out);
  return 0;
}

Result<int> HitStream::poll(int timeout_ms) {
  uint64_t now = monotonic_now_ns();
  if (now - lease_renewed_ > kStopLeaseNs / 4) {
    lease_renewed_ = now;
    auto sel = state_->read_selector(PinnedState::Selector::HitTag);
    if (sel && (sel->flags & PT_HIT_STOP_TASK) && sel->watcher_pid == static_cast<uint32_t>(getpid())) {
      sel->stop_until_ns = now + kStopLeaseNs;
      (void)state_->write_selector(PinnedState::Selector::HitTag, *sel);
    }
  }
  int n = ring_buffer__poll(rb_, timeout_ms);
  if (n < 0 && n != -EINTR) return error_from_errno("cannot read hit events", -n);
  return n < 0 ? 0 : n;
}

}  // namespace pooltag::kernel
