#include "model/tag_sites.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "fakes.h"

using namespace pooltag;
using pooltag::testing::FakeSymbolizer;
using pooltag::testing::sample;

namespace {

struct NamedSymbolizer : FakeSymbolizer {
  std::string describe(uint64_t address) const override { return fmt::format("code+0x{:x}", address & 0xfff); }
};

}  // namespace

TEST(TagSites, EachTagsSitesLargestFirstThenByWhere) {
  NamedSymbolizer symbols;
  symbols.add(0x1000, "do_eventfd");
  symbols.add(0x2000, "alloc_pipe_info");
  model::SiteTagger tagger(symbols, model::Grouping::Caller, nullptr);
  model::Snapshot snap;
  snap.sites = {sample(0x1030, model::Pool::Slab, 1, 0, 64),    // 64 bytes
                sample(0x1010, model::Pool::Slab, 2, 0, 64),    // 128
                sample(0x1020, model::Pool::Slab, 1, 0, 64),    // 64, sorts before 0x1030 by where
                sample(0x2010, model::Pool::Slab, 5, 5, 320),   // no bytes, still counted
                sample(0x2020, model::Pool::Slab, 0, 0, 320),   // no counts: left out
                sample(0x1040, model::Pool::Vmalloc, 1, 0, 8)}; // not wanted below
  auto by_tag = model::sites_by_tag(snap, tagger, symbols, [](const std::string &, const model::SiteSample &s) {
    return s.site.pool == model::Pool::Slab;
  });
  ASSERT_EQ(by_tag.size(), 2u);
  std::vector<std::string> eventfd;
  for (const auto &s : by_tag["do_eventfd"]) eventfd.push_back(s.where);
  EXPECT_EQ(eventfd, (std::vector<std::string>{"code+0x10", "code+0x20", "code+0x30"}));
  ASSERT_EQ(by_tag["alloc_pipe_info"].size(), 1u);
  EXPECT_EQ(by_tag["alloc_pipe_info"][0].sample, &snap.sites[3]);
}

TEST(TagSites, UnknownCodeAddressIsNamedSo) {
  FakeSymbolizer symbols;
  model::SiteTagger tagger(symbols, model::Grouping::Caller, nullptr);
  model::Snapshot snap;
  snap.sites = {sample(0, model::Pool::Slab, 1, 0, 64)};
  auto by_tag =
      model::sites_by_tag(snap, tagger, symbols, [](const std::string &, const model::SiteSample &) { return true; });
  ASSERT_EQ(by_tag.size(), 1u);
  EXPECT_EQ(by_tag.begin()->second[0].where, "<unknown>");
}
