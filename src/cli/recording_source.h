// Where `record`, `leaks`, `report` and kd's !leaks get their intervals:
// the live pinned state, taken by LiveSampler, or a recording on disk.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cli/context.h"
#include "cli/reader.h"
#include "engine/leaks.h"
#include "record/recording.h"

namespace pooltag::cli {

// The recording's default file: /var/lib/pooltag/pooltag.db for an
// installed pooltag (the binary in an sbin or bin directory), else
// ./pooltag.db.
std::string default_recording_path();

// Takes intervals from the pinned state: the tag table (as `used` groups
// it), /proc/meminfo and the recorded stacks. Opens the state afresh each
// time, so tagging turned off, on, or re-enabled is followed: an interval
// while it is off has meminfo only.
class LiveSampler : public engine::IntervalSampler {
 public:
  static Result<std::unique_ptr<LiveSampler>> create(const Context &ctx, const TagArgs &tags);
  Result<record::Sample> take() override;

 private:
  LiveSampler(const Context &ctx, TagArgs tags) : ctx_(ctx), tags_(std::move(tags)) {}
  const Context &ctx_;
  TagArgs tags_;
  std::shared_ptr<const Tagging> tagging_;
  // stack frames by (enable time, stack id): symbolized once per session
  std::map<std::pair<uint64_t, int32_t>, std::string> frames_;
};

}  // namespace pooltag::cli
