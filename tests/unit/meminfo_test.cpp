// /proc/meminfo's one parser (model/meminfo.h), as mon and record read it,
// and the line reader it shares with kallsyms and tag files.
#include "model/meminfo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/text.h"
#include "record/recording.h"

using namespace pooltag;
using namespace pooltag::model;

TEST(MemInfo, ParsesTheFieldsInBytes) {
  MemInfo m = parse_meminfo(
      "MemTotal:       32768000 kB\nMemAvailable:   22000000 kB\nSlab:             106000 kB\n"
      "SUnreclaim:        26000 kB\nVmallocUsed:      135000 kB\nPercpu:             6400 kB\n");
  EXPECT_EQ(m.mem_available, 22000000ull * 1024);
  EXPECT_EQ(m.slab, 106000ull * 1024);
  EXPECT_EQ(m.sunreclaim, 26000ull * 1024);
  EXPECT_EQ(m.vmalloc_used, 135000ull * 1024);
  EXPECT_EQ(m.percpu, 6400ull * 1024);
  EXPECT_FALSE(parse_meminfo("Slab: 1 kB\n").percpu.has_value()) << "an absent field stays absent";
}

TEST(MemInfo, AValueWithoutAUnitIsTakenAsItIsAndJunkIsSkipped) {
  MemInfo m = parse_meminfo("Slab: 4096\nPercpu: lots kB\nSUnreclaim: 2 kBytes\nVmallocUsed: 3 kB\r\nSlabby: 9 kB");
  EXPECT_EQ(m.slab, 4096u);
  EXPECT_FALSE(m.percpu.has_value());
  EXPECT_EQ(m.sunreclaim, 2u) << "only kB is 1024";
  EXPECT_EQ(m.vmalloc_used, 3u * 1024) << "a CRLF line";
}

TEST(MemInfo, ARecordingKeepsAbsentFieldsAsZero) {
  record::Meminfo r = record::Meminfo::of(parse_meminfo("Slab: 2 kB\nVmallocUsed: 3 kB\n"));
  EXPECT_EQ(r.slab, 2048u);
  EXPECT_EQ(r.sunreclaim, 0u);
  EXPECT_EQ(r.percpu, 0u);
  EXPECT_EQ(r.vmalloc_used, 3072u);
}

TEST(Lines, SplitsAtNewlinesAndKeepsALastLineWithoutOne) {
  auto lines = [](std::string_view text) {
    std::vector<std::string> out;
    for (std::string_view l : Lines(text)) out.emplace_back(l);
    return out;
  };
  EXPECT_EQ(lines(""), std::vector<std::string>{});
  EXPECT_EQ(lines("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(lines("a\n"), std::vector<std::string>{"a"});
  EXPECT_EQ(lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(lines("\n"), std::vector<std::string>{""});
}
