#include "engine/snapshot_source.h"

namespace pooltag::engine {

Result<std::unique_ptr<PinnedSnapshotSource>> PinnedSnapshotSource::open(const std::string &pin_dir) {
  auto state = kernel::PinnedState::open(pin_dir);
  if (!state) return state.error();
  return std::make_unique<PinnedSnapshotSource>(std::make_unique<PinnedTaggingState>(std::move(*state)));
}

Result<model::Snapshot> PinnedSnapshotSource::snapshot() {
  if (auto st = state_->still_pinned(); !st) return st.error();
  return read_snapshot(*state_, false);
}

}  // namespace pooltag::engine
