// Text from outside (a command line, a file, the kernel): quoted in a
// one-line message, and read a line at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace pooltag {

// The whole of a file; the error says `what` could not be read, with errno
// ("cannot read tag file x.txt: No such file or directory").
Result<std::string> read_text_file(const std::string &path, const std::string &what = "");

// Text safe to put in a one-line message: control characters become '?',
// and it is cut at 80 characters.
std::string printable(std::string_view text);

// The text without the spaces at its end: a table line whose last columns
// are padded (a screen, a pipe) ends at its last character.
std::string rtrim(std::string text);

// The lines of a text, each without its '\n'; a last line without one is a
// line too, and a text that ends in '\n' has no empty line after it. The
// one line reader of the files pooltag parses (kallsyms, /proc/meminfo, tag
// files):
//   for (std::string_view line : Lines(text)) ...
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}

  class iterator {
   public:
    iterator(std::string_view text, size_t pos) : text_(text), pos_(pos) { find_end(); }
    std::string_view operator*() const { return text_.substr(pos_, end_ - pos_); }
    iterator &operator++() {
      pos_ = end_ + 1 > text_.size() ? text_.size() : end_ + 1;
      find_end();
      return *this;
    }
    bool operator==(const iterator &o) const { return pos_ == o.pos_; }
    bool operator!=(const iterator &o) const { return pos_ != o.pos_; }

   private:
    void find_end() {
      end_ = text_.find('\n', pos_);
      if (end_ == std::string_view::npos) end_ = text_.size();
    }
    std::string_view text_;
    size_t pos_ = 0, end_ = 0;
  };

  iterator begin() const { return iterator(text_, 0); }
  iterator end() const { return iterator(text_, text_.size()); }

 private:
  std::string_view text_;
};

}  // namespace pooltag
