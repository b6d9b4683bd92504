// What every fuzz target asserts of a parser's errors: one line a user can
// read (not empty, no control characters), the exit code of a usage error
// or an error. A failed check aborts, which libFuzzer reports as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/result.h"

namespace pooltag::fuzz {

inline void check(bool condition, const char *what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

inline void check_one_line_error(const Error &e) {
  check(!e.message.empty(), "empty error message");
  for (char c : e.message)
    if (static_cast<unsigned char>(c) < 0x20) {
      std::fprintf(stderr, "control character in error: %s\n", e.message.c_str());
      std::abort();
    }
  check(e.exit_code == kExitUsage || e.exit_code == kExitError, "error with an unexpected exit code");
}

inline std::string_view as_text(const uint8_t *data, size_t size) {
  return {reinterpret_cast<const char *>(data), size};
}

}  // namespace pooltag::fuzz
