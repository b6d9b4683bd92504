// Entry of the runtime test binary: pins are removed even when a test is
// interrupted; one killed with SIGKILL leaves them for the next run's
// remove_stale_test_pins().
#include <gtest/gtest.h>
#include <signal.h>

#include "harness.h"

namespace {
void cleanup_and_exit(int sig) {
  pooltag::testing::run_pooltag({"disable"});
  signal(sig, SIG_DFL);
  raise(sig);
}
}  // namespace

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  signal(SIGINT, cleanup_and_exit);
  signal(SIGTERM, cleanup_and_exit);
  return RUN_ALL_TESTS();
}
