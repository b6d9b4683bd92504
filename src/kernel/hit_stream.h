// The hit events of the pinned ring buffer, as model events with their
// stacks resolved to return addresses. One reader at a time: a BPF ring
// buffer has a single consumer.
#pragma once

#include <functional>
#include <memory>

#include "common/result.h"
#include "kernel/pinned_state.h"
#include "model/snapshot.h"

struct ring_buffer;

namespace pooltag::kernel {

class HitStream {
 public:
  using Handler = std::function<void(const model::HitEvent &)>;
  // Events older than `since_monotonic_ns` (left from an earlier session)
  // are skipped.
  static Result<std::unique_ptr<HitStream>> open(const PinnedState &state, uint64_t since_monotonic_ns,
                                                 Handler handler);
  ~HitStream();
  // Waits up to timeout_ms; returns the number of events handled. Also
  // renews this process's --stop-task lease on the hit tag, if it holds one.
  Result<int> poll(int timeout_ms);

 private:
  static int on_sample(void *self, void *data, size_t size);
  const PinnedState *state_ = nullptr;
  uint64_t since_ = 0;
  Handler handler_;
  ::ring_buffer *rb_ = nullptr;
  uint64_t lease_renewed_ = 0;
};

}  // namespace pooltag::kernel
