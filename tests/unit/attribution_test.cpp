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

// The layout of 6.18 here: the 64-bit and 32-bit entries one function
// prefix apart, the kernel thread entries elsewhere.
constexpr const char *kEntryText =
    "ffffffff81000000 T _text\n"
    "ffffffff81000000 T _stext\n"
    "ffffffff81248fd0 T ret_from_fork_asm\n"
    "ffffffff81249030 T x64_sys_call\n"
    "ffffffff8130a4e0 T ret_from_fork\n"
    "ffffffff8130a600 T copy_process\n"
    "ffffffff821ed490 T __pfx_do_syscall_64\n"
    "ffffffff821ed4a0 T do_syscall_64\n"
    "ffffffff821ed720 t __pfx___do_fast_syscall_32\n"
    "ffffffff821ed730 t __do_fast_syscall_32\n"
    "ffffffff821ed900 T do_int80_emulation\n"
    "ffffffff821edac0 T write_ibpb\n"
    "ffffffffc0000000 t in_a_module\t[mod]\n";

TEST(Attribution, StackReuseEndsAtTheEntryFunctions) {
  auto syms = symbols::KernelSymbols::parse(kEntryText);
  ASSERT_TRUE(syms.ok());
  auto r = stack_reuse_ranges(*syms, 4);
  EXPECT_EQ(r.off, "");
  EXPECT_EQ(r.code_start, 0xffffffff81000000u);
  EXPECT_GT(r.code_end, 0xffffffffc0000000u) << "module code and BPF programs are code too";
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[0].start, 0xffffffff81248fd0u);  // ret_from_fork_asm
  EXPECT_EQ(r.entries[0].end, 0xffffffff81249030u);
  EXPECT_EQ(r.entries[1].start, 0xffffffff8130a4e0u);  // ret_from_fork
  EXPECT_EQ(r.entries[2].start, 0xffffffff821ed4a0u);  // do_syscall_64 .. do_int80_emulation, merged
  EXPECT_EQ(r.entries[2].end, 0xffffffff821edac0u);
}

TEST(Attribution, StackReuseIsOffWithoutEntriesOrWithKasan) {
  auto bare = symbols::KernelSymbols::parse("ffffffff81000000 T _stext\nffffffff81000100 T copy_process\n");
  ASSERT_TRUE(bare.ok());
  EXPECT_NE(stack_reuse_ranges(*bare, 4).off, "");
  auto kasan = symbols::KernelSymbols::parse(std::string(kEntryText) + "ffffffff81400000 T kasan_report\n");
  ASSERT_TRUE(kasan.ok());
  auto r = stack_reuse_ranges(*kasan, 4);
  EXPECT_NE(r.off.find("KASAN"), std::string::npos) << r.off;
  auto all = symbols::KernelSymbols::parse(kEntryText);
  ASSERT_TRUE(all.ok());
  EXPECT_NE(stack_reuse_ranges(*all, 2).off, "") << "more ranges than the programs check";
}
