// Parsing and printing of the quantities users type and read: durations,
// byte sizes, counts, addresses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace pooltag {

// "500ms", "2s", "1.5m", "1h", "250us", a bare number = seconds.
Result<uint64_t> parse_duration_ns(std::string_view text);

// "2h03m", "4.2s", "310ms": short, for ages in tables.
std::string format_duration_ns(uint64_t ns);

// A CLOCK_REALTIME time in the local time zone, strftime's `format`.
std::string format_local_time(uint64_t realtime_ns, const char *format = "%Y-%m-%d %H:%M:%S");

// 1536 -> "1.5K", 3145728 -> "3.0M": IEC multiples, for narrow columns.
std::string format_bytes_short(uint64_t bytes);

// An estimate as an integer, rounded and held to the type's range (NaN is
// 0): slopes and projections of a hostile recording exceed any real size,
// and a plain cast of such a double is undefined.
uint64_t saturate_u64(double x);
int64_t saturate_i64(double x);
// a + b held to int64_t's range: byte counts summed over pools.
int64_t add_saturating(int64_t a, int64_t b);

// A count with thousands separators: 1234567 -> "1,234,567".
std::string format_count(uint64_t n);

// "1000", "64K", "1M": counts with an optional K/M/G multiplier (1024-based).
Result<uint64_t> parse_size(std::string_view text);

// A number in WinDbg syntax: hex by default, 0x hex, 0n decimal, `
// separators (ffff8881`00001000). Usage errors: "not a number",
// "Overflow". pooltag kd's numbers, and what parse_address reads.
Result<uint64_t> parse_number(std::string_view text);

// A kernel address as typed: a number as parse_number reads it (hex with
// or without 0x, WinDbg's backtick allowed). Usage errors that name it.
Result<uint64_t> parse_address(std::string_view text);

}  // namespace pooltag
