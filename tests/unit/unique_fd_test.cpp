#include "common/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <type_traits>

using namespace pooltag;

namespace {

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

int open_null() { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

static_assert(!std::is_copy_constructible_v<UniqueFd> && !std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd> && std::is_nothrow_move_assignable_v<UniqueFd>);

TEST(UniqueFd, ClosesWhenItGoes) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd);
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, NegativeIsNone) {
  UniqueFd none, failed(-1);
  EXPECT_FALSE(none);
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.get(), -1);
  EXPECT_EQ(failed.close(), 0);
}

TEST(UniqueFd, MoveHandsOwnershipOver) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(is_open(raw));
  int other = open_null();
  ASSERT_GE(other, 0);
  c = UniqueFd(other);  // the one it held is closed
  EXPECT_FALSE(is_open(raw));
  EXPECT_TRUE(is_open(other));
}

TEST(UniqueFd, ReleaseGivesItUpOpen) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_EQ(fd.release(), raw);
    EXPECT_FALSE(fd);
  }
  EXPECT_TRUE(is_open(raw));
  close(raw);
}

TEST(UniqueFd, ResetAndCloseCloseTheOneHeld) {
  int first = open_null(), second = open_null();
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  UniqueFd fd(first);
  fd.reset(second);
  EXPECT_FALSE(is_open(first));
  EXPECT_EQ(fd.get(), second);
  EXPECT_EQ(fd.close(), 0);
  EXPECT_FALSE(fd);
  EXPECT_FALSE(is_open(second));
}

TEST(UniqueFd, ClosingKeepsErrno) {
  UniqueFd fd(open_null());
  ASSERT_TRUE(fd);
  errno = ENOENT;
  fd.reset();
  EXPECT_EQ(errno, ENOENT);
}
