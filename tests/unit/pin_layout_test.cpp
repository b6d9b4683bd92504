#include "kernel/pin_layout.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

using namespace pooltag::kernel;

// The names are what an older pooltag pinned: enable, the readers and
// disable must keep agreeing with it (a change needs a new PT_STATE_VERSION).
TEST(PinLayout, NamesAreTheLayoutOnDisk) {
  std::vector<std::string_view> names;
  for (const auto &o : pins::objects()) names.push_back(o.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"state", "live_keys", "live_entries", "live_hash", "sites",
                                                   "site_stats", "counters", "allocator_ranges", "stacks",
                                                   "stack_stats", "hit_events", "poolhittag", "stacktags",
                                                   "dump_request", "dump_output", "prog_dump"}));
  EXPECT_EQ(pins::path("/sys/fs/bpf/pooltag", pins::Pin::State), "/sys/fs/bpf/pooltag/state");
  EXPECT_EQ(pins::link_name("kmalloc"), "link_kmalloc");
}

TEST(PinLayout, ReadersOpenAllButTheAllocatorRangesAndOneProgramIsPinned) {
  for (const auto &o : pins::objects()) {
    EXPECT_EQ(&pins::object(o.pin), &o);
    EXPECT_EQ(o.opened, o.pin != pins::Pin::AllocatorRanges) << o.name;
    EXPECT_EQ(o.program != nullptr, o.pin == pins::Pin::DumpProgram) << o.name;
  }
}

TEST(PinLayout, ListsTheLinksOfADirectory) {
  char templ[] = "/tmp/pooltag-pins-test-XXXXXX";
  ASSERT_NE(mkdtemp(templ), nullptr);
  const std::string dir = templ;
  for (const char *name : {"state", "link_kfree", "sites", "link_kmalloc"}) std::ofstream(dir + "/" + name).put('x');
  auto all = pins::entries(dir);
  ASSERT_TRUE(all.has_value());
  std::sort(all->begin(), all->end());
  EXPECT_EQ(*all, (std::vector<std::string>{"link_kfree", "link_kmalloc", "sites", "state"}));
  auto links = pins::links(dir);
  std::sort(links.begin(), links.end());
  EXPECT_EQ(links, (std::vector<std::string>{"link_kfree", "link_kmalloc"}));
  for (const auto &name : *all) unlink((dir + "/" + name).c_str());
  rmdir(dir.c_str());
  errno = 0;
  EXPECT_FALSE(pins::entries(dir).has_value());
  EXPECT_EQ(errno, ENOENT);
  EXPECT_TRUE(pins::links(dir).empty());
}
