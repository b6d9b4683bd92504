#include "common/text.h"

#include <gtest/gtest.h>

using namespace pooltag;

TEST(Text, RtrimDropsTrailingSpacesOnly) {
  EXPECT_EQ(rtrim("Tag   Bytes   "), "Tag   Bytes");
  EXPECT_EQ(rtrim("  lead"), "  lead");
  EXPECT_EQ(rtrim("tab\t"), "tab\t");
  EXPECT_EQ(rtrim("    "), "");
  EXPECT_EQ(rtrim(""), "");
}
