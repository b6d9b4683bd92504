// libFuzzer target for recorded event streams (used --replay, the replay
// tier, docs/replay.md): any stream reads into the accounting or stops at
// one usage error line, and the snapshot it leaves adds up: per site,
// frees never exceed allocations, and the live allocations are the sum of
// the sites' outstanding ones.
#include <cstdint>
#include <sstream>

#include "fuzz_check.h"
#include "model/accounting.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  std::istringstream in(std::string(fuzz::as_text(data, size)));
  model::LiveAccounting accounting(64);  // small: the untracked path too
  auto st = model::replay_events(in, accounting);
  if (!st.ok()) {
    fuzz::check_one_line_error(st.error());
    fuzz::check(st.error().exit_code == kExitUsage, "a malformed stream is a usage error");
  }
  auto snap = accounting.snapshot();
  uint64_t outstanding = 0;
  for (const auto &s : snap.sites) {
    fuzz::check(s.counts.frees <= s.counts.allocs, "a site freed more than it allocated");
    outstanding += s.counts.allocs - s.counts.frees;
  }
  fuzz::check(outstanding == accounting.live(), "live allocations are not the sites' outstanding ones");
  return 0;
}
