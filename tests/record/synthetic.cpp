#include "synthetic.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

namespace pooltag::testing {

Status write_synthetic(record::Store &store, const SyntheticRecording &what) {
  std::mt19937_64 random(13);
  const uint64_t per_session = (what.intervals + static_cast<uint64_t>(what.sessions) - 1) /
                               static_cast<uint64_t>(what.sessions);
  std::vector<int64_t> noise(16, 0);
  if (auto st = store.begin(); !st) return st;
  for (uint64_t i = 0; i < what.intervals; ++i) {
    const uint64_t session = i / per_session, in_session = i % per_session;
    const double t = static_cast<double>(in_session) * static_cast<double>(what.interval_ns) / 1e9;  // seconds
    record::Sample s;
    s.time_ns = what.start_ns + i * what.interval_ns;
    s.session = record::SessionKey{what.start_ns + session * per_session * what.interval_ns, "caller", "",
                                   "/sys/fs/bpf/pooltag"};
    const uint64_t churn = in_session * 40 + random() % 40;  // balanced allocations so far
    auto add = [&](std::string tag, uint64_t outstanding, uint64_t size, uint64_t implicit) {
      s.tags.push_back(record::TagValue{std::move(tag), model::Pool::Slab, "vmlinux", "",
                                        {outstanding + churn, churn, static_cast<int64_t>(outstanding * size),
                                         implicit}});
    };
    add("leaky_alloc", static_cast<uint64_t>(t / 50), 256, 0);
    const double half = static_cast<double>(per_session) * static_cast<double>(what.interval_ns) / 2e9;
    add("stopped_leak", static_cast<uint64_t>(std::min(t, half) / 100), 512, 0);
    add("bounded_growth", static_cast<uint64_t>(t / 10), 256, churn / 100 + 1);
    add("balanced_cache", 10000 - random() % 8, 256, 0);
    for (size_t k = 0; k < noise.size(); ++k) {
      noise[k] = std::clamp<int64_t>(noise[k] + static_cast<int64_t>(random() % 21) - 10, -200, 200);
      add(fmt::format("noise_{:02}", k), static_cast<uint64_t>(1000 + noise[k]), 64, 0);
    }
    s.meminfo = record::Meminfo{200000000 + static_cast<uint64_t>(t) * 20, 90000000 + static_cast<uint64_t>(t) * 10,
                                4000000, 30000000};
    if (auto st = store.append(s); !st) return st;
    if (what.thin_every != 0 && (i + 1) % what.thin_every == 0) {
      if (auto st = store.commit(); !st) return st;
      auto thinned = store.thin(s.time_ns);
      if (!thinned) return thinned.error();
      if (auto st = store.begin(); !st) return st;
    }
  }
  return store.commit();
}

}  // namespace pooltag::testing
