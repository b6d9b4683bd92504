// An owning file descriptor: closed when its owner goes, so no error path
// forgets one and none is closed twice. Move-only, like std::unique_ptr.
//
//   UniqueFd fd(bpf_obj_get(path.c_str()));
//   if (!fd) return error_from_errno("cannot open " + path);
//   use(fd.get());  // closed at the end of the scope, errno left as it was
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace pooltag {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}  // takes any negative value as none
  UniqueFd(UniqueFd &&o) noexcept : fd_(o.release()) {}
  UniqueFd &operator=(UniqueFd &&o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it: the caller owns it now.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  // Closes the one held (keeping errno: error paths read it after a scope
  // ends) and holds `fd` instead.
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      int saved = errno;
      ::close(fd_);
      errno = saved;
    }
    fd_ = fd;
  }
  // Closes now and returns close()'s result (0, or -1 with errno): for a
  // written file, where close can report the write's failure.
  int close() {
    int fd = release();
    return fd >= 0 ? ::close(fd) : 0;
  }

 private:
  int fd_ = -1;
};

}  // namespace pooltag
