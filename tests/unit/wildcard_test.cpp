#include "common/wildcard.h"

#include <gtest/gtest.h>

using pooltag::PatternFilter;
using pooltag::wildcard_match;

TEST(Wildcard, LiteralMatchesWholeStringOnly) {
  EXPECT_TRUE(wildcard_match("do_eventfd", "do_eventfd"));
  EXPECT_FALSE(wildcard_match("do_eventfd", "do_eventfd2"));
  EXPECT_FALSE(wildcard_match("do_eventfd", "do_event"));
  EXPECT_TRUE(wildcard_match("", ""));
  EXPECT_FALSE(wildcard_match("", "x"));
}

TEST(Wildcard, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("*", "anything"));
  EXPECT_TRUE(wildcard_match("kmalloc*", "kmalloc"));
  EXPECT_TRUE(wildcard_match("kmalloc*", "kmalloc_node"));
  EXPECT_TRUE(wildcard_match("*_noprof", "__kmalloc_noprof"));
  EXPECT_TRUE(wildcard_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(wildcard_match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(wildcard_match("**x", "x"));
}

TEST(Wildcard, QuestionMarkMatchesExactlyOne) {
  EXPECT_TRUE(wildcard_match("Ab?", "Abc"));
  EXPECT_FALSE(wildcard_match("Ab?", "Ab"));
  EXPECT_FALSE(wildcard_match("Ab?", "Abcd"));
  EXPECT_TRUE(wildcard_match("?*", "x"));
  EXPECT_FALSE(wildcard_match("?*", ""));
}

TEST(Wildcard, BacktracksAcrossRepeatedPrefixes) {
  EXPECT_TRUE(wildcard_match("*aab", "aaaab"));
  EXPECT_TRUE(wildcard_match("*ab*ab", "abxabyab"));
  EXPECT_FALSE(wildcard_match("*ab*abz", "abxabyab"));
}

TEST(Wildcard, IsCaseSensitive) { EXPECT_FALSE(wildcard_match("Do_eventfd", "do_eventfd")); }

TEST(PatternFilter, EmptyIncludesEverything) {
  PatternFilter f;
  EXPECT_TRUE(f.matches("x"));
  EXPECT_TRUE(f.empty());
}

TEST(PatternFilter, IncludeAnyExcludeWins) {
  PatternFilter f({"mas_*", "do_*"}, {"do_sys*"});
  EXPECT_TRUE(f.matches("mas_preallocate"));
  EXPECT_TRUE(f.matches("do_eventfd"));
  EXPECT_FALSE(f.matches("do_sys_open"));
  EXPECT_FALSE(f.matches("alloc_inode"));
}

// Found by tests/fuzz/wildcard_fuzz.cpp: a '*' in the pattern facing a '*'
// in the text was taken as a literal, so no backtracking could follow it.
TEST(Wildcard, StarFacingAStarInTheTextIsStillAWildcard) {
  EXPECT_TRUE(pooltag::wildcard_match("a*", "a*b"));
  EXPECT_TRUE(pooltag::wildcard_match("*a*a*a*", std::string("\0a*q*a*\0b\0a\0\0\0", 15)));
  EXPECT_TRUE(pooltag::wildcard_match("*x", "**x"));
}
