#include "cli/output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace pooltag;

TEST(Output, JsonFailureIsAnErrorObjectOnStdout) {
  auto out = cli::render_failure(Error{"pool tagging is not enabled", kExitNotEnabled}, true);
  EXPECT_EQ(out.stream, stdout);
  ASSERT_FALSE(out.text.empty());
  EXPECT_EQ(out.text.back(), '\n');
  EXPECT_EQ(std::count(out.text.begin(), out.text.end(), '\n'), 1) << "one JSON line: " << out.text;
  auto j = nlohmann::json::parse(out.text);
  EXPECT_EQ(j["error"]["message"], "pool tagging is not enabled");
  EXPECT_EQ(j["error"]["code"], 3);
  EXPECT_EQ(j.size(), 1u) << "nothing beside the error object";
}

TEST(Output, TextFailureIsOneLineOnStderr) {
  auto out = cli::render_failure(Error{"bad\nvalue", kExitUsage}, false);
  EXPECT_EQ(out.stream, stderr);
  EXPECT_EQ(out.text, "pooltag: bad value\n");
}

TEST(Output, JsonSurvivesMessagesThatAreNotUtf8) {
  // a message may quote bytes of a tag file or the kernel
  auto text = cli::error_json(Error{std::string("bad tag '\xff\xfe' in file"), kExitUsage});
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["error"]["code"], 2);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("bad tag"), std::string::npos);
}

TEST(Output, JsonIsRequestedByAJsonArgumentBeforeDoubleDash) {
  const char *with[] = {"pooltag", "used", "--json", "x"};
  const char *without[] = {"pooltag", "used", "x"};
  const char *after_dashes[] = {"pooltag", "used", "--", "--json"};
  EXPECT_TRUE(cli::json_requested(4, with));
  EXPECT_FALSE(cli::json_requested(3, without));
  EXPECT_FALSE(cli::json_requested(4, after_dashes));
}

TEST(OutputWidth, TheTerminalsElseColumnsElseNoLimit) {
  EXPECT_EQ(cli::output_width(100, "80"), 100u) << "a terminal says its width";
  EXPECT_EQ(cli::output_width(0, "132"), 132u);
  EXPECT_EQ(cli::output_width(0, nullptr), 0u) << "a pipe gets the whole table";
  EXPECT_EQ(cli::output_width(0, ""), 0u);
  EXPECT_EQ(cli::output_width(0, "wide"), 0u);
  EXPECT_EQ(cli::output_width(0, "80x"), 0u);
}
