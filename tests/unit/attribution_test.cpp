#include "kernel/attribution.h"

#include <gtest/gtest.h>

using namespace pooltag;
using namespace pooltag::kernel;

TEST(Attribution, MergesAdjacentAllocatorFunctions) {
  auto syms = symbols::KernelSymbols::parse(
      "ffffffff81000000 T __alloc_pages_noprof\n"
      "ffffffff81000100 T get_page_from_freelist\n"
      "ffffffff81000200 T do_eventfd\n"
      "ffffffff81000300 T __vmalloc_node_range_noprof\n"
      "ffffffff81000400 T copy_process\n"
      "ffffffffc0000000 t vmalloc_in_a_module\t[mod]\n");
  ASSERT_TRUE(syms.ok());
  auto r = allocator_ranges(*syms, allocator_function_patterns(), 16);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u) << "two allocator runs; module functions are never allocators";
  EXPECT_EQ((*r)[0].start, 0xffffffff81000000u);
  EXPECT_EQ((*r)[0].end, 0xffffffff81000200u);
  EXPECT_EQ((*r)[1].start, 0xffffffff81000300u);
  EXPECT_EQ((*r)[1].end, 0xffffffff81000400u);
}

TEST(Attribution, TooManyRangesIsAnError) {
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += "ffffffff8100" + std::to_string(i) + "000 T vmalloc_" + std::to_string(i) + "\n";
    text += "ffffffff8100" + std::to_string(i) + "800 T other_" + std::to_string(i) + "\n";
  }
  auto syms = symbols::KernelSymbols::parse(text);
  ASSERT_TRUE(syms.ok());
  EXPECT_FALSE(allocator_ranges(*syms, allocator_function_patterns(), 5).ok());
  EXPECT_TRUE(allocator_ranges(*syms, allocator_function_patterns(), 10).ok());
}
