// Writes a synthetic recording (synthetic.h) for the shell tests:
//   pooltag_test_recording FILE DAYS [SESSIONS]
// DAYS may be fractional; 0 writes an empty recording (the layout, no
// interval). The recording ends now and is thinned as a recorder would.
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "synthetic.h"

int main(int argc, char **argv) {
  using namespace pooltag;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE DAYS [SESSIONS]\n", argv[0]);
    return 2;
  }
  auto store = record::Store::open_for_append(argv[1]);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  testing::SyntheticRecording what;
  what.intervals = static_cast<uint64_t>(std::atof(argv[2]) * 86400e9 / static_cast<double>(what.interval_ns));
  what.sessions = argc > 3 ? std::atoi(argv[3]) : 1;
  what.thin_every = 360;  // an hour of intervals
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  what.start_ns = static_cast<uint64_t>(now.tv_sec) * 1000000000ull - what.intervals * what.interval_ns;
  if (auto st = testing::write_synthetic(**store, what); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  return 0;
}
