#include <gtest/gtest.h>

#include "kernel/control.h"

using namespace pooltag;

namespace {

class FakeSystem : public kernel::SystemAccess {
 public:
  bool root = true;
  std::vector<std::string> missing;
  bool is_root() const override { return root; }
  bool has_btf() const override { return true; }
  Status ensure_bpffs(const std::string &) override { return Ok{}; }
  uint64_t realtime_ns() const override { return 0; }
  std::vector<std::string> missing_capabilities() const override { return missing; }
};

}  // namespace

TEST(RequireRoot, RootWithTheCapabilitiesPasses) {
  FakeSystem system;
  EXPECT_TRUE(kernel::require_root(system, "used").ok());
}

TEST(RequireRoot, NotRootSaysSoInOneLine) {
  FakeSystem system;
  system.root = false;
  auto st = kernel::require_root(system, "used");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("pooltag used needs root"), std::string::npos);
  EXPECT_EQ(st.error().exit_code, kExitError);
}

TEST(RequireRoot, RootWithoutCapabilitiesNamesEachMissingOne) {
  FakeSystem system;
  system.missing = {"CAP_BPF", "CAP_PERFMON"};
  auto st = kernel::require_root(system, "enable");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("needs CAP_BPF and CAP_PERFMON"), std::string::npos) << st.error().message;
  system.missing = {"CAP_PERFMON"};
  st = kernel::require_root(system, "enable");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.find("CAP_BPF"), std::string::npos) << st.error().message;
}

TEST(RequireRoot, ThisProcessLacksNoCapabilityAsRoot) {
  // the real probe: a root test run here has CAP_SYS_ADMIN or CAP_BPF and CAP_PERFMON
  kernel::LinuxSystem system;
  if (!system.is_root()) GTEST_SKIP() << "not root";
  EXPECT_TRUE(system.missing_capabilities().empty());
}
