// Text from outside (a command line, a file, the kernel) quoted in a
// one-line message.
#pragma once

#include <string>
#include <string_view>

namespace pooltag {

// Text safe to put in a one-line message: control characters become '?',
// and it is cut at 80 characters.
std::string printable(std::string_view text);

}  // namespace pooltag
