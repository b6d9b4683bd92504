// pooltag export --listen: what is an address, what is loopback.
#include <gtest/gtest.h>

#include "export/http_server.h"

using namespace pooltag;
using namespace pooltag::exporter;

TEST(ExportListen, ParsesIpv4AndBracketedIpv6) {
  auto a = parse_listen_address("127.0.0.1:19466");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 19466);
  EXPECT_TRUE(a->loopback());
  auto b = parse_listen_address("[::1]:0");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->ipv6);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
  EXPECT_TRUE(b->loopback());
  EXPECT_EQ(b->text(), "[::1]:0");
  EXPECT_TRUE(parse_listen_address("127.1.2.3:80")->loopback());
  EXPECT_FALSE(parse_listen_address("0.0.0.0:19466")->loopback());
  EXPECT_FALSE(parse_listen_address("[::]:19466")->loopback());
  EXPECT_FALSE(parse_listen_address("192.168.1.1:19466")->loopback());
  EXPECT_EQ(std::string(kDefaultListen), "127.0.0.1:" + std::to_string(kDefaultPort));
}

TEST(ExportListen, RefusesWhatIsNotAnAddressAsUsageErrors) {
  for (const char *bad : {"", "19466", "localhost:19466", "example:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x",
                          "127.0.0.1:65536", "127.0.0.1:-1", "::1:19466", "[::1]", "[127.0.0.1]:80", ":19466",
                          "300.1.1.1:80", "127.0.0.1:80 "}) {
    auto a = parse_listen_address(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().exit_code, kExitUsage) << bad;
    EXPECT_EQ(a.error().message.find('\n'), std::string::npos);
    EXPECT_NE(a.error().message.find("--listen"), std::string::npos);
  }
}
