// libFuzzer target for tag files (pooltag.txt, --tags): any text parses to
// entries or to one line naming the file and line; every entry has a tag and
// an owner, and matching a name against the parsed file does not crash.
#include <cstdint>

#include "fuzz_check.h"
#include "model/tagging.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  auto text = fuzz::as_text(data, size);
  auto file = model::TagFile::parse(text, "tags.txt");
  if (!file.ok()) {
    fuzz::check_one_line_error(file.error());
    fuzz::check(file.error().message.rfind("tags.txt", 0) == 0, "error does not name the file");
    return 0;
  }
  for (const auto &e : file->entries()) {
    fuzz::check(!e.tag.empty() && !e.owner.empty(), "entry without tag or owner");
    fuzz::check(e.line >= 1, "entry without a line number");
    // an owner without wildcards matches itself
    if (e.owner.find_first_of("*?") == std::string::npos)
      fuzz::check(file->match(e.owner, "") != nullptr, "owner does not match itself");
  }
  // names taken from the input itself, as a kernel symbol might be
  (void)file->match(text.substr(0, size / 2), text.substr(size / 2));
  return 0;
}
