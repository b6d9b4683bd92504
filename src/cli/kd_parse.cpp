#include "cli/kd_parse.h"

#include <algorithm>
#include <cctype>

namespace pooltag::cli::kd {

static_assert(static_cast<int>(model::Pool::Slab) == 0 && static_cast<int>(model::Pool::Percpu) == 1 &&
                  static_cast<int>(model::Pool::Vmalloc) == 2 && static_cast<int>(model::Pool::Page) == 3,
              "!poolfind PoolType numbers are model::Pool values");

namespace {

struct Token {
  std::string text;
  char quote = 0;  // the quote the token started with, 0 if none
};

// A command being parsed: its text (for messages), its verb as typed (lower
// case) and its arguments.
struct Input {
  std::string_view text;
  std::string_view verb;
  const std::vector<Token> &args;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

Error syntax(std::string_view text, const std::string &why) {
  return Error{"^ Syntax error in '" + printable(text) + "': " + why, kExitUsage};
}
Error syntax(const Input &in, const std::string &why) { return syntax(in.text, why); }

// Splits arguments at white space; a quote (' or ") runs to the same quote
// and may hold spaces. A token is quoted when it starts with a quote.
Result<std::vector<Token>> tokenize(std::string_view text, std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    Token t;
    if (s[i] == '\'' || s[i] == '"') t.quote = s[i];
    while (i < s.size() && !is_space(s[i])) {
      char q = s[i];
      if (q == '\'' || q == '"') {
        size_t end = s.find(q, i + 1);
        if (end == std::string_view::npos) return syntax(text, std::string("unterminated ") + q + " quote");
        t.text.append(s.substr(i + 1, end - i - 1));
        i = end + 1;
      } else {
        t.text += q;
        ++i;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool printable_tag(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

std::string hex(uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return "0x" + out;
}

// A TagString of !poolused / !poolfind: printable, at most kMaxTagText.
Result<std::string> tag_string(const Input &in, const Token &t) {
  if (t.text.empty()) return syntax(in, "empty TagString");
  if (!printable_tag(t.text)) return syntax(in, "TagString has control characters");
  if (t.text.size() > kMaxTagText)
    return syntax(in, "TagString longer than " + std::to_string(kMaxTagText) + " characters");
  return t.text;
}

// A number argument; the error names what it is ("bad Flags 'zz' (not a number)").
Result<uint64_t> number(const Input &in, const std::string &text, std::string_view what) {
  auto n = parse_number(text);
  if (!n) return syntax(in, "bad " + std::string(what) + " '" + printable(text) + "' (" + n.error().message + ")");
  return n;
}

Error only_hit_tag(const std::string &symbol) {
  return Error{"Couldn't resolve error at '" + printable(symbol) +
                   "': pooltag kd reads and writes only nt!poolhittag",
               kExitUsage};
}

Status no_more(const Input &in, size_t used) {
  if (in.args.size() > used) return syntax(in, "unexpected '" + printable(in.args[used].text) + "'");
  return Ok{};
}

// Verbs without arguments.
template <class T>
Result<Command> bare(const Input &in) {
  if (auto st = no_more(in, 0); !st) return st.error();
  return Command{T{}};
}

Result<Command> parse_help(const Input &in) {
  if (!in.args.empty()) return syntax(in, "expressions are not evaluated; ? alone lists the commands");
  return Command{Help{}};
}

Result<Command> parse_reload(const Input &in) {
  for (const auto &a : in.args)  // WinDbg's /f (force) is what .reload always does here
    if (lower(a.text) != "/f") return syntax(in, "unexpected '" + printable(a.text) + "' (only /f)");
  return Command{Reload{}};
}

Result<Command> parse_leaks(const Input &in) {
  Leaks c;
  if (!in.args.empty()) {
    const std::string &d = in.args[0].text;
    // checked as a duration by the caller (common/units.h); here only its shape
    if (d.empty() || !std::isdigit(static_cast<unsigned char>(d[0])) || !printable_tag(d))
      return syntax(in, "bad Duration '" + printable(d) + "' (examples: 60s, 5m)");
    c.duration = d;
  }
  if (auto st = no_more(in, 1); !st) return st.error();
  return Command{std::move(c)};
}

Result<Command> parse_go(const Input &in) {
  if (!in.args.empty()) return syntax(in, "g takes no address: it runs until the next hit of nt!poolhittag");
  return Command{Go{}};
}

Result<Command> parse_backtrace(const Input &in) {
  Backtrace c;
  if (!in.args.empty()) {
    auto n = number(in, in.args[0].text, "frame count");
    if (!n) return n.error();
    if (*n == 0 || *n > 0xffff) return syntax(in, "frame count must be 1 to 0xffff");
    c.frames = *n;
  }
  if (auto st = no_more(in, 1); !st) return st.error();
  return Command{std::move(c)};
}

Result<Command> parse_pool_used(const Input &in) {
  PoolUsed c;
  const auto &args = in.args;
  if (!args.empty()) {
    auto flags = number(in, args[0].text, "Flags");
    if (!flags) return flags.error();
    if (*flags > 0xf) return syntax(in, "unknown Flags bits " + hex(*flags & ~uint64_t{0xf}) + " (0x1, 0x2, 0x4)");
    c.flags = static_cast<uint32_t>(*flags);
    if (c.flags & kPoolUsedSession)
      return syntax(in, "Flags 0x8 (session pool) is not supported: Linux has no session pool");
    if ((c.flags & kPoolUsedSortSlab) && (c.flags & kPoolUsedSortAll))
      return syntax(in, "Flags 0x2 and 0x4 both sort: choose slab (0x2) or all pools (0x4)");
  }
  if (args.size() > 1) {
    auto tag = tag_string(in, args[1]);
    if (!tag) return tag.error();
    c.tag = *tag;
  }
  if (auto st = no_more(in, 2); !st) return st.error();
  return Command{std::move(c)};
}

Result<Command> parse_edit(const Input &in) {
  const auto &args = in.args;
  if (args.empty()) return syntax(in, "missing address: ed nt!poolhittag VALUE");
  if (!is_hit_tag_symbol(args[0].text)) return only_hit_tag(args[0].text);
  if (args.size() < 2) return syntax(in, "missing VALUE: ' cbA' (little-endian), a tag name, or 0 to clear");
  if (auto st = no_more(in, 2); !st) return st.error();
  auto value = parse_hit_tag_value(args[1].text, args[1].quote);
  if (!value) return syntax(in, value.error().message);
  return Command{EditHitTag{*value}};
}

Result<Command> parse_display(const Input &in) {
  Display c;
  c.unit = in.verb == "db" ? 1 : 4;
  const auto &args = in.args;
  if (args.empty()) return syntax(in, "missing address: " + std::string(in.verb) + " nt!poolhittag");
  if (!is_hit_tag_symbol(args[0].text)) return only_hit_tag(args[0].text);
  uint64_t max = kHitTagBytes / c.unit;
  c.count = max;
  if (args.size() > 1) {
    // "L4", "l4", "L 4", "L0n4"
    std::string len = args[1].text;
    size_t used = 2;
    if (len.empty() || (len[0] != 'L' && len[0] != 'l'))
      return syntax(in, "expected L count, got '" + printable(len) + "'");
    len = len.substr(1);
    if (len.empty()) {
      if (args.size() < 3) return syntax(in, "missing count after L");
      len = args[2].text;
      used = 3;
    }
    auto n = number(in, len, "count");
    if (!n) return n.error();
    if (*n == 0) return syntax(in, "count must be at least 1");
    if (*n > max)
      return syntax(in, "Range error: nt!poolhittag is " + std::to_string(kHitTagBytes) + " bytes (L" +
                            hex(max).substr(2) + " at most)");
    c.count = *n;
    if (auto st = no_more(in, used); !st) return st.error();
  }
  return Command{std::move(c)};
}

// The other e* commands write memory pooltag does not have.
Result<Command> parse_other_edit(const Input &in) {
  if (in.args.empty() || !is_hit_tag_symbol(in.args[0].text)) return only_hit_tag(in.args.empty() ? "" : in.args[0].text);
  return syntax(in, "nt!poolhittag is a dword here: use ed");
}

Result<Command> parse_pool_find(const Input &in) {
  PoolFind c;
  if (in.args.empty()) return syntax(in, "missing TagString: !poolfind TagString [PoolType]");
  auto tag = tag_string(in, in.args[0]);
  if (!tag) return tag.error();
  c.tag = *tag;
  if (in.args.size() > 1) {
    auto type = parse_pool_type(in.args[1].text);
    if (!type) return syntax(in, type.error().message);
    c.pool = *type;
  }
  if (auto st = no_more(in, 2); !st) return st.error();
  return Command{std::move(c)};
}

Result<Command> parse_pool_at(const Input &in) {
  if (in.args.empty()) return syntax(in, "missing Address: !pool Address");
  auto a = number(in, in.args[0].text, "Address");
  if (!a) return a.error();
  if (auto st = no_more(in, 1); !st) return st.error();
  return Command{PoolAt{*a}};
}

// The verb table: the names a verb is typed as, its parser, and its lines
// of `?` (usage and help; a verb without usage is not listed).
struct Verb {
  std::vector<std::string_view> names;
  Result<Command> (*parse)(const Input &);
  std::string_view usage;
  std::vector<std::string_view> help;
  bool extension = false;  // pooltag's own, not WinDbg's
};

const std::vector<Verb> &verbs() {
  static const std::vector<Verb> table = {
      {{".reload"}, parse_reload, ".reload", {"reload kernel symbols (kallsyms, modules) and the tag file"}},
      {{"!poolused"},
       parse_pool_used,
       "!poolused [Flags [TagString]]",
       {"the tags' usage; Flags 1 verbose (per site), 2 sort by slab bytes,",
        "4 sort by the bytes of all pools, none: sort by tag; * ? in TagString"}},
      {{"ed"},
       parse_edit,
       "ed nt!poolhittag VALUE",
       {"set the hit tag: ' cbA' (little-endian literal: tag \"Abc \"), a tag name,", "or 0 to clear"}},
      {{"db", "dd"}, parse_display, "db nt!poolhittag [L n]", {"dump the hit-tag variable's bytes (dd: as dwords)"}},
      {{"g"},
       parse_go,
       "g",
       {"go: wait for the next alloc or free of the hit tag and break (Ctrl-C breaks in)"}},
      {{"kb"}, parse_backtrace, "kb [n]", {"the stack of the last hit"}},
      {{"!poolfind"},
       parse_pool_find,
       "!poolfind TagString [PoolType]",
       {"the outstanding allocations of a tag; PoolType 0 slab, 1 percpu,", "2 vmalloc, 3 page (default: every pool)"}},
      {{"!pool"}, parse_pool_at, "!pool Address", {"the tracked allocation containing Address"}},
      {{"eb", "ew", "eq", "ea", "eu", "e"}, parse_other_edit, "", {}},
      {{"!leaks"},
       parse_leaks,
       "!leaks [Duration]",
       {"tags ranked by sustained growth (pooltag leaks): from the recording",
        "(pooltag record's default file), or watched live for Duration (60s)"},
       true},
      {{"?", ".help"}, parse_help, "? or .help", {"this list"}, true},
      {{"q", "qq", ".quit"}, bare<Quit>, "q", {"quit (also Ctrl-D)"}, true},
  };
  return table;
}

}  // namespace

std::string help_text() {
  std::string out = "pooltag kd commands (numbers are hex, as in WinDbg; 0n10 is decimal):\n";
  bool extensions = false;
  for (const auto &v : verbs()) {
    if (v.usage.empty()) continue;
    if (v.extension && !extensions) {
      out += "pooltag's own extension:\n";
      extensions = true;
    }
    // usage in a column of 29, help beside it; a longer usage pushes it right
    std::string line = "  " + std::string(v.usage);
    for (size_t i = 0; i < v.help.size(); ++i) {
      line.resize(std::max(line.size() + 1, size_t{31}), ' ');
      out += line + std::string(v.help[i]) + "\n";
      line = "  ";
    }
  }
  return out;
}

std::vector<std::string> split_commands(std::string_view line) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  auto flush = [&] {
    std::string t = trim(current);
    if (!t.empty()) out.push_back(std::move(t));
    current.clear();
  };
  for (char ch : line) {
    if (quote != 0) {
      if (ch == quote) quote = 0;
      current += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      current += ch;
    } else if (ch == ';' || ch == '\n') {
      flush();
    } else {
      current += ch;
    }
  }
  flush();
  return out;
}

Result<model::Pool> parse_pool_type(std::string_view text) {
  if (auto pool = model::parse_pool(lower(text))) return *pool;
  auto n = parse_number(text);
  if (n && *n < model::kPoolCount) return static_cast<model::Pool>(*n);
  return Error{"bad PoolType '" + printable(text) + "' (0 slab, 1 percpu, 2 vmalloc, 3 page)", kExitUsage};
}

Result<std::string> parse_hit_tag_value(std::string_view token, char quoted) {
  if (quoted == '\'') {
    // A character literal is a number whose first character is the most
    // significant byte; `ed` stores it little-endian, so memory (the tag)
    // holds the characters in reverse.
    if (token.empty()) return Error{"empty character literal", kExitUsage};
    if (token.size() > 4)
      return Error{"Overflow: a dword holds 4 characters; type a longer tag without quotes", kExitUsage};
    if (!printable_tag(token)) return Error{"character literal has control characters", kExitUsage};
    return std::string(token.rbegin(), token.rend());
  }
  if (quoted == '"' || token.empty() || !std::isdigit(static_cast<unsigned char>(token[0]))) {
    if (token.empty()) return Error{"empty tag", kExitUsage};
    if (!printable_tag(token)) return Error{"tag has control characters", kExitUsage};
    if (token.size() > kMaxTagText)
      return Error{"tag longer than " + std::to_string(kMaxTagText) + " characters", kExitUsage};
    return std::string(token);
  }
  auto n = parse_number(token);
  if (!n) return Error{"bad value '" + printable(token) + "' (" + n.error().message + ")", kExitUsage};
  if (*n > 0xffffffffull) return Error{"Overflow: a dword is at most 0xffffffff", kExitUsage};
  std::string tag;
  for (int i = 0; i < 4; ++i) tag += static_cast<char>((*n >> (8 * i)) & 0xff);
  while (!tag.empty() && tag.back() == '\0') tag.pop_back();
  if (tag.empty()) return std::string();  // 0: clear
  if (!printable_tag(tag)) return Error{"dword " + hex(*n) + " is not 4 printable tag characters", kExitUsage};
  return tag;
}

bool is_hit_tag_symbol(std::string_view symbol) {
  std::string s = lower(symbol);
  return s == "nt!poolhittag" || s == "poolhittag";
}

Result<Command> parse_command(std::string_view typed) {
  std::string text = trim(typed);
  if (text.empty()) return Command{Nothing{}};
  // The verb runs to the first white space ("db", "!poolused", "?").
  size_t end = 0;
  while (end < text.size() && !is_space(text[end])) ++end;
  std::string verb = lower(std::string_view(text).substr(0, end));
  auto args = tokenize(text, std::string_view(text).substr(end));
  if (!args) return args.error();
  for (const auto &v : verbs())
    if (std::find(v.names.begin(), v.names.end(), verb) != v.names.end()) return v.parse(Input{text, verb, *args});
  if (!verb.empty() && verb[0] == '!') return Error{"No export " + printable(verb.substr(1)) + " found", kExitUsage};
  return syntax(text, "unknown command (? lists the commands)");
}

}  // namespace pooltag::cli::kd
