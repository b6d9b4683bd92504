#include "model/tagging.h"

#include <gtest/gtest.h>

#include "fakes.h"

using namespace pooltag;
using namespace pooltag::model;
using pooltag::testing::FakeSymbolizer;

TEST(TagFile, ParsesEntriesCommentsAndBlankLines) {
  auto f = TagFile::parse(
      "# pooltag.txt\n"
      "\n"
      "Evfd - do_eventfd - eventfd contexts\n"
      "  Pipe - alloc_pipe_info - pipe buffers and info  \n"
      "'Abc ' - do_eventfd - quoted tag keeps its trailing space\n"
      "NfCt - nf_conntrack - the conntrack module\n"
      "Mas  - mas_* - maple tree nodes\n"
      "// also a comment\n",
      "test.txt");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->entries().size(), 5u);
  EXPECT_EQ(f->entries()[0].tag, "Evfd");
  EXPECT_EQ(f->entries()[0].owner, "do_eventfd");
  EXPECT_EQ(f->entries()[0].description, "eventfd contexts");
  EXPECT_EQ(f->entries()[1].tag, "Pipe");
  EXPECT_EQ(f->entries()[1].description, "pipe buffers and info");
  EXPECT_EQ(f->entries()[2].tag, "Abc ");
  EXPECT_EQ(f->entries()[4].tag, "Mas");
  EXPECT_EQ(f->entries()[4].line, 7);
}

TEST(TagFile, EmptyDescriptionIsAllowed) {
  auto f = TagFile::parse("Evfd - do_eventfd - \n", "t");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->entries()[0].description, "");
}

TEST(TagFile, ErrorsNameFileAndLine) {
  for (const char *bad : {"Evfd do_eventfd description\n", "x\n", " - do_eventfd - d\n", "Evfd -  - d\n",
                          "Evfd - two words - d\n"}) {
    auto f = TagFile::parse(std::string("# c\n") + bad, "my.txt");
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.error().message.rfind("my.txt:2:", 0), 0u) << f.error().message;
    EXPECT_EQ(f.error().exit_code, kExitUsage);
  }
}

TEST(TagFile, MatchesFunctionFirstThenModule) {
  auto f = TagFile::parse("Evfd - do_eventfd - e\nXfs - xfs - the xfs module\nMas - mas_* - maple\n", "t");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->match("do_eventfd", "vmlinux")->tag, "Evfd");
  EXPECT_EQ(f->match("mas_preallocate", "vmlinux")->tag, "Mas");
  EXPECT_EQ(f->match("xfs_inode_alloc", "xfs")->tag, "Xfs");
  EXPECT_EQ(f->match("alloc_inode", "vmlinux"), nullptr);
}

TEST(TagFile, MissingFileSaysWhich) {
  auto f = TagFile::load("/nonexistent/pooltag.txt");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("/nonexistent/pooltag.txt"), std::string::npos);
}

class TaggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    syms.add(0x1000, "do_eventfd");
    syms.add(0x2000, "nf_conntrack_alloc", "nf_conntrack");
  }
  FakeSymbolizer syms;
};

TEST_F(TaggerTest, ByCallerUsesTheFunctionOfCallSiteMinusOne) {
  SiteTagger t(syms, Grouping::Caller);
  EXPECT_EQ(t.tag_of(Site{0x1010, Pool::Slab, "kmalloc-64", 0}).tag, "do_eventfd");
  // return address == end of do_eventfd's range: still do_eventfd
  EXPECT_EQ(t.tag_of(Site{0x1100, Pool::Slab, "", 0}).tag, "do_eventfd");
  EXPECT_EQ(t.tag_of(Site{0x1010, Pool::Slab, "", 0}).owner, "vmlinux");
}

TEST_F(TaggerTest, ByModuleBracketsTheModule) {
  SiteTagger t(syms, Grouping::Module);
  EXPECT_EQ(t.tag_of(Site{0x1010, Pool::Slab, "", 0}).tag, "[vmlinux]");
  EXPECT_EQ(t.tag_of(Site{0x2010, Pool::Slab, "", 0}).tag, "[nf_conntrack]");
}

TEST_F(TaggerTest, ByCacheUsesCacheOrPoolName) {
  SiteTagger t(syms, Grouping::Cache);
  EXPECT_EQ(t.tag_of(Site{0x1010, Pool::Slab, "kmalloc-64", 0}).tag, "kmalloc-64");
  EXPECT_EQ(t.tag_of(Site{0x1010, Pool::Vmalloc, "", 0}).tag, "vmalloc");
}

TEST_F(TaggerTest, ByStackSplitsTheCallerByStack) {
  SiteTagger t(syms, Grouping::Stack);
  Site split{0x1010, Pool::Slab, "", 0};
  split.stack_id = 17;
  EXPECT_EQ(t.tag_of(split).tag, "do_eventfd#17");
  EXPECT_EQ(t.tag_of(Site{0x1010, Pool::Slab, "", 0}).tag, "do_eventfd") << "allocations without a stack";
}

TEST_F(TaggerTest, UnknownAddressesAndNoAddress) {
  SiteTagger t(syms, Grouping::Caller);
  EXPECT_EQ(t.tag_of(Site{0x9999, Pool::Slab, "", 0}).tag, "0x9999");
  EXPECT_EQ(t.tag_of(Site{0, Pool::Slab, "", 0}).tag, "<unknown>");
  SiteTagger m(syms, Grouping::Module);
  EXPECT_EQ(m.tag_of(Site{0x9999, Pool::Slab, "", 0}).tag, "<unknown>");
}

TEST_F(TaggerTest, TagFileOverridesAnyGrouping) {
  auto f = TagFile::parse("Evfd - do_eventfd - eventfd contexts\nNfCt - nf_conntrack - conntrack\n", "t");
  ASSERT_TRUE(f.ok());
  for (Grouping g : {Grouping::Caller, Grouping::Module, Grouping::Cache}) {
    SiteTagger t(syms, g, &*f);
    auto info = t.tag_of(Site{0x1010, Pool::Slab, "kmalloc-64", 0});
    EXPECT_EQ(info.tag, "Evfd");
    EXPECT_EQ(info.description, "eventfd contexts");
    EXPECT_EQ(t.tag_of(Site{0x2010, Pool::Slab, "", 0}).tag, "NfCt");
  }
}

TEST(Grouping, ParsesNames) {
  EXPECT_EQ(parse_grouping("caller"), Grouping::Caller);
  EXPECT_EQ(parse_grouping("module"), Grouping::Module);
  EXPECT_EQ(parse_grouping("cache"), Grouping::Cache);
  EXPECT_EQ(parse_grouping("stack"), Grouping::Stack);
  EXPECT_FALSE(parse_grouping("stack_of_doom"));
}

TEST(Pools, ParsesListsAndNames) {
  EXPECT_EQ(parse_pool_list("slab,percpu")->mask, 0b11u);
  EXPECT_EQ(parse_pool_list("all")->mask, 0b1111u);
  EXPECT_EQ(parse_pool_list("page")->to_string(), "page");
  EXPECT_FALSE(parse_pool_list("slab,bogus").ok());
  EXPECT_FALSE(parse_pool_list("").ok());
  EXPECT_EQ(PoolSet::defaults().to_string(), "slab,percpu,vmalloc");
  EXPECT_EQ(PoolSet{}.to_string(), "none");
  EXPECT_EQ(parse_pool("vmalloc"), Pool::Vmalloc);
  EXPECT_FALSE(parse_pool("Slab"));
}

// Found by tests/fuzz/tag_file_fuzz.cpp: control characters reached the
// error line, and would have reached tables, metrics and terminals.
TEST(TagFileParse, ControlCharactersAreAUsageErrorOfOnePrintableLine) {
  auto r = TagFile::parse(std::string("Evfd - do\x01\x00`` - eventfd\n", 24), "t.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().exit_code, kExitUsage);
  EXPECT_EQ(r.error().message.rfind("t.txt:1: control character", 0), 0u) << r.error().message;
  for (char c : r.error().message) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  EXPECT_TRUE(TagFile::parse("Evfd - do_eventfd - crlf line\r\n", "t.txt").ok()) << "a CR ends a line";
}
