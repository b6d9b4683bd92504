// kd's command language: the seed's commands as typed, flags, literals,
// L n, and one-line errors for everything else.
#include "cli/kd_parse.h"

#include <gtest/gtest.h>

#include <random>
#include <variant>

using namespace pooltag::cli::kd;

namespace {

Command ok(std::string_view text) {
  auto c = parse_command(text);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : Command{};
}

// The command of verb T that `text` parses to (a default T, after failing
// the test, when it parses to another).
template <class T>
T as(std::string_view text) {
  Command c = ok(text);
  const T *t = std::get_if<T>(&c);
  EXPECT_NE(t, nullptr) << text << " parsed to another verb (index " << c.index() << ")";
  return t ? *t : T{};
}

template <class T>
bool is(std::string_view text) {
  return std::holds_alternative<T>(ok(text));
}

std::string error_of(std::string_view text) {
  auto c = parse_command(text);
  EXPECT_FALSE(c.ok()) << text << " parsed";
  return c.ok() ? "" : c.error().message;
}

}  // namespace

TEST(KdParse, TheSeedsCommandsAsWritten) {
  EXPECT_TRUE(is<Reload>(".reload"));
  EXPECT_EQ(as<PoolUsed>("!poolused 4").flags, kPoolUsedSortAll);
  EXPECT_EQ(as<EditHitTag>("ed nt!poolhittag ' cbA'").tag, "Abc ");
  auto db = as<Display>("db nt!poolhittag L4");
  EXPECT_EQ(db.unit, 1u);
  EXPECT_EQ(db.count, 4u);
  EXPECT_TRUE(is<Go>("g"));
  EXPECT_EQ(as<Backtrace>("kb").frames, 0u);
  EXPECT_EQ(as<EditHitTag>("ed nt!poolhittag 0").tag, "");
  auto find = as<PoolFind>("!poolfind Abc");
  EXPECT_EQ(find.tag, "Abc");
  EXPECT_EQ(find.pool, std::nullopt);
}

TEST(KdParse, NamesAreCaseInsensitiveAndTrimmed) {
  EXPECT_TRUE(is<Go>("  G  "));
  EXPECT_TRUE(is<Backtrace>("KB"));
  EXPECT_EQ(as<EditHitTag>("ED NT!PoolHitTag do_eventfd").tag, "do_eventfd");
  EXPECT_EQ(as<Display>("db PoolHitTag").count, kHitTagBytes);
  EXPECT_TRUE(is<PoolUsed>("!PoolUsed"));
  EXPECT_TRUE(is<Nothing>(""));
  EXPECT_TRUE(is<Help>("?"));
  EXPECT_TRUE(is<Help>(".help"));
  EXPECT_TRUE(is<Quit>("q"));
  EXPECT_TRUE(is<Reload>(".reload /f"));
}

TEST(KdParse, PoolUsedFlags) {
  EXPECT_EQ(as<PoolUsed>("!poolused").flags, 0u);
  EXPECT_EQ(as<PoolUsed>("!poolused 1").flags, kPoolUsedVerbose);
  EXPECT_EQ(as<PoolUsed>("!poolused 3").flags, kPoolUsedVerbose | kPoolUsedSortSlab);
  EXPECT_EQ(as<PoolUsed>("!poolused 0x5").flags, kPoolUsedVerbose | kPoolUsedSortAll);
  EXPECT_EQ(as<PoolUsed>("!poolused 4 do_*").tag, "do_*");
  EXPECT_EQ(as<PoolUsed>("!poolused 2 'Abc '").tag, "Abc ");
  EXPECT_NE(error_of("!poolused 6").find("0x2 and 0x4"), std::string::npos);
  EXPECT_NE(error_of("!poolused 8").find("session pool"), std::string::npos);
  EXPECT_NE(error_of("!poolused 10").find("unknown Flags"), std::string::npos);
  EXPECT_NE(error_of("!poolused zz").find("bad Flags"), std::string::npos);
  EXPECT_NE(error_of("!poolused 4 a b").find("unexpected 'b'"), std::string::npos);
  EXPECT_NE(error_of("!poolused 4 ''").find("empty TagString"), std::string::npos);
}

TEST(KdParse, HitTagValues) {
  EXPECT_EQ(*parse_hit_tag_value(" cbA", '\''), "Abc ");
  EXPECT_EQ(*parse_hit_tag_value("cbA", '\''), "Abc");
  EXPECT_EQ(*parse_hit_tag_value("Abc ", '"'), "Abc ");
  EXPECT_EQ(*parse_hit_tag_value("do_eventfd", 0), "do_eventfd");
  EXPECT_EQ(*parse_hit_tag_value("nf_ct_*", 0), "nf_ct_*");
  EXPECT_EQ(*parse_hit_tag_value("0", 0), "");
  EXPECT_EQ(*parse_hit_tag_value("0x0", 0), "");
  // a dword as ed writes it: 0x20636241 is the bytes 41 62 63 20
  EXPECT_EQ(*parse_hit_tag_value("20636241", 0), "Abc ");
  EXPECT_EQ(*parse_hit_tag_value("0x636241", 0), "Abc");
  EXPECT_FALSE(parse_hit_tag_value("abcde", '\'').ok());  // more than a dword
  EXPECT_FALSE(parse_hit_tag_value("", '\'').ok());
  EXPECT_FALSE(parse_hit_tag_value("100000000", 0).ok());  // overflow
  EXPECT_FALSE(parse_hit_tag_value("0x01020304", 0).ok());  // not printable
  EXPECT_FALSE(parse_hit_tag_value("1zz", 0).ok());
  EXPECT_FALSE(parse_hit_tag_value(std::string(kMaxTagText + 1, 'a'), 0).ok());
  EXPECT_FALSE(parse_hit_tag_value("a\tb", '"').ok());
}

TEST(KdParse, EditAndDisplayOnlyTheHitTag) {
  for (auto text : {"ed nt!PspCidTable 0", "dd nt!foo", "db ffff888100001000", "eb nt!kd_debugger 1"})
    EXPECT_NE(error_of(text).find("only nt!poolhittag"), std::string::npos) << text;
  EXPECT_NE(error_of("ed nt!poolhittag").find("missing VALUE"), std::string::npos);
  EXPECT_NE(error_of("ed").find("missing address"), std::string::npos);
  EXPECT_NE(error_of("ed nt!poolhittag 'abc").find("unterminated"), std::string::npos);
  EXPECT_NE(error_of("ed nt!poolhittag a b").find("unexpected"), std::string::npos);
  EXPECT_NE(error_of("eb nt!poolhittag 41").find("use ed"), std::string::npos);
}

TEST(KdParse, DisplayLengths) {
  EXPECT_EQ(as<Display>("db nt!poolhittag l4").count, 4u);
  EXPECT_EQ(as<Display>("db nt!poolhittag L 4").count, 4u);
  EXPECT_EQ(as<Display>("db nt!poolhittag L10").count, 16u);  // radix 16, as WinDbg
  EXPECT_EQ(as<Display>("db nt!poolhittag L0n10").count, 10u);
  auto dd = as<Display>("dd nt!poolhittag L2");
  EXPECT_EQ(dd.unit, 4u);
  EXPECT_EQ(dd.count, 2u);
  EXPECT_EQ(as<Display>("dd nt!poolhittag").count, kHitTagBytes / 4);
  EXPECT_NE(error_of("db nt!poolhittag L41").find("Range error"), std::string::npos);
  EXPECT_NE(error_of("dd nt!poolhittag L11").find("Range error"), std::string::npos);
  EXPECT_NE(error_of("db nt!poolhittag L0").find("at least 1"), std::string::npos);
  EXPECT_NE(error_of("db nt!poolhittag L").find("missing count"), std::string::npos);
  EXPECT_NE(error_of("db nt!poolhittag 4").find("expected L"), std::string::npos);
  EXPECT_NE(error_of("db nt!poolhittag Lffffffffffffffffff").find("Overflow"), std::string::npos);
  EXPECT_NE(error_of("db nt!poolhittag L4 x").find("unexpected"), std::string::npos);
}

TEST(KdParse, PoolFindAndPool) {
  EXPECT_EQ(as<PoolFind>("!poolfind do_eventfd 0").pool, pooltag::model::Pool::Slab);
  EXPECT_EQ(as<PoolFind>("!poolfind do_eventfd 2").pool, pooltag::model::Pool::Vmalloc);
  EXPECT_EQ(as<PoolFind>("!poolfind do_eventfd vmalloc").pool, pooltag::model::Pool::Vmalloc);
  EXPECT_EQ(as<PoolFind>("!poolfind do_eventfd PerCPU").pool, pooltag::model::Pool::Percpu);
  EXPECT_EQ(as<PoolFind>("!poolfind 'Abc '").tag, "Abc ");
  EXPECT_NE(error_of("!poolfind").find("missing TagString"), std::string::npos);
  EXPECT_NE(error_of("!poolfind x 4").find("bad PoolType"), std::string::npos);
  EXPECT_NE(error_of("!poolfind x 1 2").find("unexpected"), std::string::npos);
  EXPECT_EQ(as<PoolAt>("!pool ffff8881`00001000").address, 0xffff888100001000ull);
  EXPECT_EQ(as<PoolAt>("!pool 0xffff888100001000").address, 0xffff888100001000ull);
  EXPECT_NE(error_of("!pool").find("missing Address"), std::string::npos);
  EXPECT_NE(error_of("!pool xyz").find("bad Address"), std::string::npos);
  EXPECT_NE(error_of("!pool 1ffff888100001000").find("Overflow"), std::string::npos);
}

TEST(KdParse, OtherArgumentsAndUnknownCommands) {
  EXPECT_EQ(as<Backtrace>("kb 3").frames, 3u);
  EXPECT_NE(error_of("kb 0").find("frame count"), std::string::npos);
  EXPECT_NE(error_of("g nt!foo").find("no address"), std::string::npos);
  EXPECT_NE(error_of("? 1+2").find("not evaluated"), std::string::npos);
  EXPECT_NE(error_of(".reload /x").find("only /f"), std::string::npos);
  EXPECT_EQ(error_of("!process 0 0"), "No export process found");
  EXPECT_EQ(error_of("lm"), "^ Syntax error in 'lm': unknown command (? lists the commands)");
  EXPECT_NE(error_of("q now").find("unexpected"), std::string::npos);
}

TEST(KdParse, NumbersAreHexByDefault) {
  EXPECT_EQ(*parse_number("10"), 16u);
  EXPECT_EQ(*parse_number("0x10"), 16u);
  EXPECT_EQ(*parse_number("0n10"), 10u);
  EXPECT_EQ(*parse_number("ffffffff`ffffffff"), UINT64_MAX);
  EXPECT_FALSE(parse_number("").ok());
  EXPECT_FALSE(parse_number("0x").ok());
  EXPECT_FALSE(parse_number("0n1a").ok());
  EXPECT_FALSE(parse_number("1`0000000000000000").ok());
}

TEST(KdParse, SplitsAtSemicolonsOutsideQuotes) {
  auto v = split_commands(".reload; !poolused 4;ed nt!poolhittag ' c;A' ;; db nt!poolhittag L4\ng");
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], ".reload");
  EXPECT_EQ(v[1], "!poolused 4");
  EXPECT_EQ(v[2], "ed nt!poolhittag ' c;A'");
  EXPECT_EQ(v[3], "db nt!poolhittag L4");
  EXPECT_EQ(v[4], "g");
  EXPECT_EQ(as<EditHitTag>(v[2]).tag, "A;c ");
  EXPECT_TRUE(split_commands("  ;  ; ").empty());
  EXPECT_EQ(split_commands("ed nt!poolhittag 'ab; g").size(), 1u);  // unterminated: one command
}

// Every error is one printable line, for any input: random bytes and
// mutations of real commands, a fixed number of each (the libFuzzer target
// in tests/fuzz does the same, unbounded, where clang is available).
TEST(KdParse, RandomInputGivesOneLineErrorsOrCommands) {
  const std::vector<std::string> seeds = {".reload", "!poolused 4 do_*", "ed nt!poolhittag ' cbA'",
                                          "db nt!poolhittag L4", "g", "kb 3", "!poolfind Abc 0", "!pool ffff`1000"};
  std::mt19937 rng(5);
  auto check = [](const std::string &input) {
    for (const auto &text : split_commands(input)) {
      auto c = parse_command(text);
      if (c.ok()) continue;
      const auto &m = c.error().message;
      ASSERT_FALSE(m.empty()) << input;
      for (char ch : m) ASSERT_GE(static_cast<unsigned char>(ch), 0x20) << "control character in: " << m;
    }
  };
  for (int i = 0; i < 20000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0: s.insert(s.begin() + static_cast<long>(at), static_cast<char>(rng() % 256)); break;
        case 1: if (at < s.size()) s.erase(at, 1); break;
        default: if (at < s.size()) s[at] = "0'\";L !x \t\n"[rng() % 12]; break;
      }
    }
    check(s);
    std::string noise(rng() % 40, '\0');
    for (auto &ch : noise) ch = static_cast<char>(rng() % 256);
    check(noise);
  }
}

TEST(KdParse, LeaksIsPooltagsOwnExtension) {
  EXPECT_EQ(as<Leaks>("!leaks").duration, "");
  EXPECT_EQ(as<Leaks>("!LEAKS 60s").duration, "60s");
  EXPECT_NE(error_of("!leaks soon").find("bad Duration"), std::string::npos);
  EXPECT_NE(error_of("!leaks 60s 2").find("unexpected '2'"), std::string::npos);
}

// `?` is made from the verb table: every verb that is typed is listed, in
// WinDbg's column layout.
TEST(KdParse, HelpIsMadeFromTheVerbTable) {
  std::string help = help_text();
  EXPECT_EQ(help.rfind("pooltag kd commands (numbers are hex, as in WinDbg; 0n10 is decimal):\n", 0), 0u);
  for (auto usage : {".reload", "!poolused [Flags [TagString]]", "ed nt!poolhittag VALUE", "db nt!poolhittag [L n]",
                     "g  ", "kb [n]", "!poolfind TagString [PoolType]", "!pool Address", "!leaks [Duration]",
                     "? or .help", "q  "})
    EXPECT_NE(help.find("\n  " + std::string(usage)), std::string::npos) << usage;
  EXPECT_NE(help.find("\n  .reload                      reload kernel symbols"), std::string::npos) << help;
  EXPECT_NE(help.find("\n                               4 sort by the bytes of all pools"), std::string::npos) << help;
  EXPECT_LT(help.find("!pool Address"), help.find("pooltag's own extension:\n  !leaks"));
  for (char ch : help) EXPECT_TRUE(ch == '\n' || static_cast<unsigned char>(ch) >= 0x20);
}
