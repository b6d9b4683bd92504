// A synthetic recording with known answers, for the thinning test, the
// report's browser test and the bad-input tests: written through the real
// store (record/store.h), as `pooltag record` would have, interval by
// interval, without a kernel.
//
// Tags (20, every one changing every interval, the worst case for size):
//   leaky_alloc     +1 object of 256 bytes every 50 s, all along (growing)
//   stopped_leak    +1 object of 512 bytes every 100 s for the first half
//                   of each session, then flat (stopped)
//   bounded_growth  faster than leaky_alloc, but with implicit frees:
//                   upper bounds, never the top suspect
//   balanced_cache  10,000 objects of 256 bytes, churned, flat
//   noise_00..15    small caches going up and down at random
// With `sessions` 2 tagging is re-enabled halfway: counts start again.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "record/store.h"

namespace pooltag::testing {

struct SyntheticRecording {
  uint64_t start_ns = 0;  // CLOCK_REALTIME of the first interval
  uint64_t intervals = 0;
  uint64_t interval_ns = 10ull * 1000000000ull;
  int sessions = 1;
  // Thin as a recorder does, every `thin_every` intervals (0: never).
  uint64_t thin_every = 0;
};

inline constexpr const char *kSyntheticTopSuspect = "leaky_alloc";
inline constexpr double kSyntheticLeakBytesPerHour = 256.0 * 3600 / 50;

Status write_synthetic(record::Store &store, const SyntheticRecording &what);

}  // namespace pooltag::testing
