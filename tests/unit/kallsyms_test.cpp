#include "symbols/kallsyms.h"

#include <gtest/gtest.h>

using namespace pooltag::symbols;

namespace {

// A synthetic kallsyms: vmlinux text, data to ignore, an alias, a module.
const char *kKallsyms =
    "ffffffff81000000 T _stext\n"
    "ffffffff81001000 T do_eventfd\n"
    "ffffffff81001200 t eventfd_free_ctx\n"
    "ffffffff81001200 t eventfd_free_ctx_alias\n"
    "ffffffff81001400 T alloc_pipe_info\n"
    "ffffffff82000000 D some_data\n"
    "ffffffff82000100 b some_bss\n"
    "ffffffffc0001000 t nf_conntrack_alloc\t[nf_conntrack]\n"
    "ffffffffc0001100 t nf_ct_ext_add\t[nf_conntrack]\n"
    "ffffffffc0005000 T xfs_inode_alloc\t[xfs]\n";

KernelSymbols load() {
  auto r = KernelSymbols::parse(kKallsyms);
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST(Kallsyms, KeepsTextSymbolsSorted) {
  auto syms = load();
  ASSERT_EQ(syms.all().size(), 7u);  // data, bss and the alias dropped
  for (size_t i = 1; i < syms.all().size(); ++i) EXPECT_LT(syms.all()[i - 1].address, syms.all()[i].address);
  EXPECT_EQ(syms.module_count(), 2u);
}

TEST(Kallsyms, ResolvesInsideAndAtTheEdges) {
  auto syms = load();
  auto r = syms.resolve(0xffffffff81001000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->symbol->name, "do_eventfd");
  EXPECT_EQ(r->offset, 0u);
  r = syms.resolve(0xffffffff810011ff);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->symbol->name, "do_eventfd");
  EXPECT_EQ(r->offset, 0x1ffu);
  r = syms.resolve(0xffffffff81001200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->symbol->name, "eventfd_free_ctx");
  EXPECT_FALSE(syms.resolve(0xffffffff80000000)) << "below the first symbol";
  EXPECT_FALSE(syms.resolve(0)) << "zero";
}

TEST(Kallsyms, CallSiteMinusOneNamesTheCaller) {
  auto syms = load();
  // a call that ends do_eventfd returns to the first byte of the next function
  auto r = syms.resolve_caller(0xffffffff81001200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->symbol->name, "do_eventfd");
  EXPECT_FALSE(syms.resolve_caller(0));
}

TEST(Kallsyms, ModuleSymbolsCarryTheirModule) {
  auto syms = load();
  auto r = syms.resolve(0xffffffffc0001050);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->symbol->name, "nf_conntrack_alloc");
  EXPECT_EQ(r->module_name(), "nf_conntrack");
  EXPECT_EQ(syms.describe(0xffffffffc0001050), "nf_conntrack_alloc+0x50 [nf_conntrack]");
  EXPECT_EQ(syms.describe(0xffffffff81001010), "do_eventfd+0x10");
  EXPECT_EQ(syms.resolve(0xffffffff81001010)->module_name(), "vmlinux");
}

TEST(Kallsyms, LastSymbolOfAModuleDoesNotSwallowTheNext) {
  auto syms = load();
  // nf_ct_ext_add is the last nf_conntrack symbol: bounded, so an address far
  // past it is not charged to it
  EXPECT_TRUE(syms.resolve(0xffffffffc0001100 + 100));
  EXPECT_FALSE(syms.resolve(0xffffffffc0001100 + 8192));
  EXPECT_EQ(syms.resolve(0xffffffffc0005010)->symbol->name, "xfs_inode_alloc");
}

TEST(Kallsyms, HiddenAddressesAreAnError) {
  auto r = KernelSymbols::parse("0000000000000000 T do_eventfd\n0000000000000000 T foo\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("kptr_restrict"), std::string::npos);
}

TEST(Kallsyms, SkipsMalformedLines) {
  auto r = KernelSymbols::parse("garbage\nzzzz T bad_hex\nffffffff81000000 T good\n\nffffffff81000100 Tnospace\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->all().size(), 1u);
  EXPECT_EQ(r->all()[0].name, "good");
}

TEST(Kallsyms, EmptyIsAnError) { EXPECT_FALSE(KernelSymbols::parse("").ok()); }

TEST(Kallsyms, MissingFileIsAnErrorWithErrno) {
  FileKallsymsSource src("/nonexistent/kallsyms");
  auto r = KernelSymbols::load(src);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("No such file"), std::string::npos);
}
