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

Result<std::unique_ptr<HitEvents>> PinnedTaggingState::open_hits(uint64_t since_monotonic_ns,
                                                                 HitHandler handler) const {
  auto stream = kernel::HitStream::open(*state_, since_monotonic_ns, std::move(handler));
  if (!stream) return stream.error();
  return std::unique_ptr<HitEvents>(std::make_unique<KernelHitEvents>(std::move(*stream)));
}

}  // namespace pooltag::engine
