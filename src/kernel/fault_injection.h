// Test-only fault injection for the fault tests (tests/runtime/fault_test.cpp,
// docs/reliability.md). With POOLTAG_TEST_KILL_AT=STEP in its environment,
// `pooltag enable` kills itself with SIGKILL when it reaches STEP, so a test
// can check what a crash at that point leaves behind and that the next
// enable or disable cleans it up. Before dying it writes the ids of the BPF
// programs it holds, one a line, to $POOLTAG_TEST_KILL_REPORT when set, so
// the test knows which programs must go. Without the variable (every real
// use) kill_point does nothing but compare a string.
#pragma once

#include <string_view>

namespace pooltag::kernel {

// The steps of enable, in order.
inline constexpr std::string_view kKillAfterLoad = "after-load";        // loaded, nothing attached
inline constexpr std::string_view kKillAfterAttach = "after-attach";    // attached, nothing pinned
inline constexpr std::string_view kKillDuringPin = "during-pin";        // maps and one link pinned
inline constexpr std::string_view kKillBeforePublish = "before-publish";  // all pinned, before the rename

void kill_point(std::string_view step);

}  // namespace pooltag::kernel
