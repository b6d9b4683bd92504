// libbpf's own messages (verifier logs among them) are captured, not
// printed: printed only with -v/--verbose, and otherwise boiled down to the
// one line that says why the kernel refused a program.
#pragma once

#include <string>
#include <string_view>

namespace pooltag::kernel {

// Installs the capturing print function; with `verbose`, libbpf's messages
// also go to stderr as they come. Called once by main.
void capture_libbpf_output(bool verbose);

// What libbpf printed since the last take; clears it.
std::string take_libbpf_output();

// The program libbpf last reported as failing to load ("" when none), and
// the kernel's reason: the verifier's last meaningful line, or libbpf's.
struct LoadFailure {
  std::string program;
  std::string reason;
};
LoadFailure load_failure(std::string_view libbpf_output);

}  // namespace pooltag::kernel
