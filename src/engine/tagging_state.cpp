#include "engine/tagging_state.h"

#include "kernel/hit_stream.h"

namespace pooltag::engine {

namespace {

class KernelHitEvents : public HitEvents {
 public:
  explicit KernelHitEvents(std::unique_ptr<kernel::HitStream> stream) : stream_(std::move(stream)) {}
  Result<int> poll(int timeout_ms) override { return stream_->poll(timeout_ms); }

 private:
  std::unique_ptr<kernel::HitStream> stream_;
};

}  // namespace

Result<model::Snapshot> read_snapshot(const TaggingState &state, bool split_by_stack) {
  auto snap = state.snapshot();
  if (!snap) return snap.error();
  if (split_by_stack) {
    auto stacks = state.stack_counts();
    if (!stacks) return stacks.error();
    // as counted, both: a stack's share of its site is taken before scaling
    *snap = model::split_by_stack(std::move(*snap), *stacks);
  }
  return model::scale_to_estimates(std::move(*snap));
}

Result<std::unique_ptr<HitEvents>> PinnedTaggingState::open_hits(uint64_t since_monotonic_ns,
                                                                 HitHandler handler) const {
  auto stream = kernel::HitStream::open(*state_, since_monotonic_ns, std::move(handler));
  if (!stream) return stream.error();
  return std::unique_ptr<HitEvents>(std::make_unique<KernelHitEvents>(std::move(*stream)));
}

}  // namespace pooltag::engine
