#include "common/units.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace pooltag;

TEST(Units, ParsesDurations) {
  EXPECT_EQ(*parse_duration_ns("2s"), 2000000000ull);
  EXPECT_EQ(*parse_duration_ns("500ms"), 500000000ull);
  EXPECT_EQ(*parse_duration_ns("1.5m"), 90000000000ull);
  EXPECT_EQ(*parse_duration_ns("1h"), 3600000000000ull);
  EXPECT_EQ(*parse_duration_ns("250us"), 250000ull);
  EXPECT_EQ(*parse_duration_ns("3"), 3000000000ull);
  EXPECT_EQ(*parse_duration_ns("0.2"), 200000000ull);
}

TEST(Units, RejectsBadDurations) {
  for (const char *bad : {"", "s", "-1s", "2x", "abc", "1e30h", "nan", "inf"}) {
    auto r = parse_duration_ns(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().exit_code, kExitUsage);
    }
  }
}

TEST(Units, FormatsDurations) {
  EXPECT_EQ(format_duration_ns(999), "999ns");
  EXPECT_EQ(format_duration_ns(1500000), "2ms");
  EXPECT_EQ(format_duration_ns(4200000000ull), "4.2s");
  EXPECT_EQ(format_duration_ns(125000000000ull), "2m05s");
  EXPECT_EQ(format_duration_ns(7380000000000ull), "2h03m");
  EXPECT_EQ(format_duration_ns(90000000000000ull), "1d01h");
}

TEST(Units, FormatsBytesAndCounts) {
  EXPECT_EQ(format_bytes_short(1000), "1000");
  EXPECT_EQ(format_bytes_short(1536), "1.5K");
  EXPECT_EQ(format_bytes_short(3u << 20), "3.0M");
  EXPECT_EQ(format_bytes_short(61865984), "59M");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(1234567), "1,234,567");
}

// Estimates of a hostile recording (tests/fuzz/recording_corpus/regression-*)
// past any integer: held at the range's ends, not converted out of range.
TEST(Units, SaturatesWhatDoesNotFit) {
  EXPECT_EQ(saturate_u64(1e300), UINT64_MAX);
  EXPECT_EQ(saturate_u64(0x1p64), UINT64_MAX);
  EXPECT_EQ(saturate_u64(-5), 0u);
  EXPECT_EQ(saturate_u64(NAN), 0u);
  EXPECT_EQ(saturate_u64(1535.6), 1536u);
  EXPECT_EQ(saturate_i64(-1e300), INT64_MIN);
  EXPECT_EQ(saturate_i64(0x1p63), INT64_MAX);
  EXPECT_EQ(saturate_i64(-2.5), -3);
  EXPECT_EQ(add_saturating(INT64_MIN, INT64_MIN), INT64_MIN);
  EXPECT_EQ(add_saturating(INT64_MAX, 1), INT64_MAX);
  EXPECT_EQ(add_saturating(-3, 5), 2);
}

TEST(Units, ParsesSizes) {
  EXPECT_EQ(*parse_size("1000"), 1000u);
  EXPECT_EQ(*parse_size("64K"), 65536u);
  EXPECT_EQ(*parse_size("1M"), 1048576u);
  EXPECT_EQ(*parse_size("2g"), 2147483648u);
  EXPECT_FALSE(parse_size("").ok());
  EXPECT_FALSE(parse_size("K").ok());
  EXPECT_FALSE(parse_size("-5").ok());
  EXPECT_FALSE(parse_size("12x").ok());
  EXPECT_FALSE(parse_size("99999999999999999999").ok());
  EXPECT_FALSE(parse_size("99999999999G").ok());
}

// Found by tests/fuzz/units_fuzz.cpp: the bad text was quoted raw, so an
// error could span lines or carry terminal escapes.
TEST(Units, ErrorsQuoteBadTextPrintably) {
  for (auto r : {parse_duration_ns("2\ns"), parse_size(std::string("64\x1b[31mK")), parse_address("ffff\x01")}) {
    ASSERT_FALSE(r.ok());
    for (char c : r.error().message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << r.error().message;
  }
}

TEST(Units, ParsesAddressesAsTyped) {
  EXPECT_EQ(*parse_address("ffff888100001000"), 0xffff888100001000ull);
  EXPECT_EQ(*parse_address("0xffff8881`00001000"), 0xffff888100001000ull);
  EXPECT_FALSE(parse_address("").ok());
  EXPECT_FALSE(parse_address("0x").ok());
  EXPECT_FALSE(parse_address("-1").ok());
  EXPECT_FALSE(parse_address("10000000000000000").ok());
  EXPECT_EQ(parse_address("xyz").error().exit_code, kExitUsage);
  EXPECT_EQ(*parse_address("0n4096"), 4096u) << "kd's numbers: one parser";
  EXPECT_EQ(parse_address("1ffff888100001000").error().message,
            "bad address '1ffff888100001000' (hex, e.g. ffff888100001000)");
}
