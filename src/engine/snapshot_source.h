// The pinned state's snapshots as model::SnapshotSource hands them: what
// mon's view (views/mon_model.h) refreshes from. The engine reads them as
// a session does (engine/session.h); the view never opens a map.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "engine/tagging_state.h"
#include "model/snapshot.h"

namespace pooltag::engine {

class PinnedSnapshotSource : public model::SnapshotSource {
 public:
  // kExitNotEnabled when nothing is pinned at `pin_dir`.
  static Result<std::unique_ptr<PinnedSnapshotSource>> open(const std::string &pin_dir);
  explicit PinnedSnapshotSource(std::unique_ptr<TaggingState> state) : state_(std::move(state)) {}

  // kExitNotEnabled once the state was disabled or replaced: a frozen copy
  // of a disabled tagging is never shown as live.
  Result<model::Snapshot> snapshot() override;

 private:
  std::unique_ptr<TaggingState> state_;
};

}  // namespace pooltag::engine
