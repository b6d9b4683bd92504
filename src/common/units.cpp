#include "common/units.h"

#include <ctime>

#include <fmt/format.h>

#include "common/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace pooltag {

namespace {

Result<double> parse_decimal(std::string_view text, std::string_view what) {
  std::string s(text);
  if (s.empty()) return Error{fmt::format("empty {}", what), kExitUsage};
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
    return Error{fmt::format("bad {} '{}'", what, printable(text)), kExitUsage};
  return v;
}

}  // namespace

Result<uint64_t> parse_duration_ns(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
                                    {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9}};
  double scale = 1e9;
  std::string_view number = text;
  // Longest suffix first so that "ms" is not read as "m" + "s".
  for (std::string_view suffix : {"ns", "us", "ms", "s", "m", "h", "d"}) {
    if (number.size() > suffix.size() && number.substr(number.size() - suffix.size()) == suffix) {
      for (const auto &u : kUnits)
        if (u.suffix == suffix) scale = u.ns;
      number.remove_suffix(suffix.size());
      break;
    }
  }
  auto v = parse_decimal(number, "duration");
  if (!v) return Error{fmt::format("bad duration '{}' (examples: 500ms, 2s, 5m, 1h)", printable(text)), kExitUsage};
  double ns = *v * scale;
  if (ns > 1.8e19) return Error{fmt::format("duration '{}' is too large", printable(text)), kExitUsage};
  return static_cast<uint64_t>(ns);
}

std::string format_duration_ns(uint64_t ns) {
  if (ns < 1000) return fmt::format("{}ns", ns);
  if (ns < 1000000) return fmt::format("{:.0f}us", ns / 1e3);
  if (ns < 1000000000) return fmt::format("{:.0f}ms", ns / 1e6);
  uint64_t s = ns / 1000000000;
  if (s < 60) return fmt::format("{:.1f}s", ns / 1e9);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

std::string format_bytes_short(uint64_t bytes) {
  static constexpr const char *kSuffix[] = {"", "K", "M", "G", "T", "P"};
  if (bytes < 1024) return fmt::format("{}", bytes);
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1024 && i < 5) {
    v /= 1024;
    ++i;
  }
  return v < 10 ? fmt::format("{:.1f}{}", v, kSuffix[i]) : fmt::format("{:.0f}{}", v, kSuffix[i]);
}

// The bounds are powers of two, exact as doubles; below them a rounded
// double converts exactly.
uint64_t saturate_u64(double x) {
  if (!(x > 0)) return 0;  // NaN too
  if (x >= 0x1p64) return UINT64_MAX;
  return static_cast<uint64_t>(std::round(x));
}

int64_t saturate_i64(double x) {
  if (std::isnan(x)) return 0;
  if (x >= 0x1p63) return INT64_MAX;
  if (x <= -0x1p63) return INT64_MIN;
  return static_cast<int64_t>(std::round(x));
}

int64_t add_saturating(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return b < 0 ? INT64_MIN : INT64_MAX;
  return sum;
}

std::string format_count(uint64_t n) {
  std::string digits = fmt::format("{}", n);
  std::string out;
  int lead = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (static_cast<int>(i) - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

Result<uint64_t> parse_size(std::string_view text) {
  uint64_t mult = 1;
  std::string_view number = text;
  if (!number.empty()) {
    switch (number.back()) {
      case 'k': case 'K': mult = 1ull << 10; break;
      case 'm': case 'M': mult = 1ull << 20; break;
      case 'g': case 'G': mult = 1ull << 30; break;
      default: break;
    }
    if (mult != 1) number.remove_suffix(1);
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || ptr != number.data() + number.size() || number.empty())
    return Error{fmt::format("bad number '{}'", printable(text)), kExitUsage};
  if (v > UINT64_MAX / mult) return Error{fmt::format("number '{}' is too large", printable(text)), kExitUsage};
  return v * mult;
}

std::string format_local_time(uint64_t realtime_ns, const char *format) {
  time_t t = static_cast<time_t>(realtime_ns / 1000000000ull);
  char buf[64];
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

Result<uint64_t> parse_number(std::string_view text) {
  std::string s;
  for (char ch : text)
    if (ch != '`') s += ch;
  unsigned base = 16;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s = s.substr(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'n' || s[1] == 'N')) {
    s = s.substr(2);
    base = 10;
  }
  if (s.empty()) return Error{"not a number", kExitUsage};
  uint64_t v = 0;
  for (char ch : s) {
    unsigned d;
    if (ch >= '0' && ch <= '9')
      d = static_cast<unsigned>(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      d = static_cast<unsigned>(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      d = static_cast<unsigned>(ch - 'A' + 10);
    else
      return Error{"not a number", kExitUsage};
    if (d >= base) return Error{"not a number", kExitUsage};
    if (v > (UINT64_MAX - d) / base) return Error{"Overflow", kExitUsage};
    v = v * base + d;
  }
  return v;
}

Result<uint64_t> parse_address(std::string_view typed) {
  auto v = parse_number(typed);
  if (!v)
    return Error{fmt::format("bad address '{}' (hex, e.g. ffff888100001000)", printable(typed)), kExitUsage};
  return v;
}

}  // namespace pooltag
