#include "cli/kd_parse.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace pooltag::cli::kd {

namespace {

struct Token {
  std::string text;
  char quote = 0;  // the quote the token started with, 0 if none
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

Error syntax(const Command &c, const std::string &why) {
  return Error{"^ Syntax error in '" + printable(c.text) + "': " + why, kExitUsage};
}

// Splits arguments at white space; a quote (' or ") runs to the same quote
// and may hold spaces. A token is quoted when it starts with a quote.
Result<std::vector<Token>> tokenize(const Command &c, std::string_view s) {
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
        if (end == std::string_view::npos) return syntax(c, std::string("unterminated ") + q + " quote");
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
Result<std::string> tag_string(const Command &c, const Token &t) {
  if (t.text.empty()) return syntax(c, "empty TagString");
  if (!printable_tag(t.text)) return syntax(c, "TagString has control characters");
  if (t.text.size() > kMaxTagText)
    return syntax(c, "TagString longer than " + std::to_string(kMaxTagText) + " characters");
  return t.text;
}

Error only_hit_tag(const std::string &symbol) {
  return Error{"Couldn't resolve error at '" + printable(symbol) +
                   "': pooltag kd reads and writes only nt!poolhittag",
               kExitUsage};
}

Status no_more(const Command &c, const std::vector<Token> &args, size_t used) {
  if (args.size() > used) return syntax(c, "unexpected '" + printable(args[used].text) + "'");
  return Ok{};
}

Result<Command> parse_pool_used(Command c, const std::vector<Token> &args) {
  if (!args.empty()) {
    auto flags = parse_number(args[0].text);
    if (!flags) return syntax(c, "bad Flags '" + printable(args[0].text) + "' (" + flags.error().message + ")");
    if (*flags > 0xf) return syntax(c, "unknown Flags bits " + hex(*flags & ~uint64_t{0xf}) + " (0x1, 0x2, 0x4)");
    c.flags = static_cast<uint32_t>(*flags);
    if (c.flags & kPoolUsedSession)
      return syntax(c, "Flags 0x8 (session pool) is not supported: Linux has no session pool");
    if ((c.flags & kPoolUsedSortSlab) && (c.flags & kPoolUsedSortAll))
      return syntax(c, "Flags 0x2 and 0x4 both sort: choose slab (0x2) or all pools (0x4)");
  }
  if (args.size() > 1) {
    auto tag = tag_string(c, args[1]);
    if (!tag) return tag.error();
    c.tag = *tag;
  }
  if (auto st = no_more(c, args, 2); !st) return st.error();
  return c;
}

Result<Command> parse_edit(Command c, const std::vector<Token> &args) {
  if (args.empty()) return syntax(c, "missing address: ed nt!poolhittag VALUE");
  if (!is_hit_tag_symbol(args[0].text)) return only_hit_tag(args[0].text);
  if (args.size() < 2) return syntax(c, "missing VALUE: ' cbA' (little-endian), a tag name, or 0 to clear");
  if (auto st = no_more(c, args, 2); !st) return st.error();
  auto value = parse_hit_tag_value(args[1].text, args[1].quote);
  if (!value) return syntax(c, value.error().message);
  c.tag = *value;
  return c;
}

Result<Command> parse_display(Command c, const std::vector<Token> &args) {
  if (args.empty()) return syntax(c, "missing address: " + std::string(c.unit == 1 ? "db" : "dd") + " nt!poolhittag");
  if (!is_hit_tag_symbol(args[0].text)) return only_hit_tag(args[0].text);
  uint64_t max = kHitTagBytes / c.unit;
  c.count = max;
  if (args.size() > 1) {
    // "L4", "l4", "L 4", "L0n4"
    std::string len = args[1].text;
    size_t used = 2;
    if (len.empty() || (len[0] != 'L' && len[0] != 'l')) return syntax(c, "expected L count, got '" + printable(len) + "'");
    len = len.substr(1);
    if (len.empty()) {
      if (args.size() < 3) return syntax(c, "missing count after L");
      len = args[2].text;
      used = 3;
    }
    auto n = parse_number(len);
    if (!n) return syntax(c, "bad count '" + printable(len) + "' (" + n.error().message + ")");
    if (*n == 0) return syntax(c, "count must be at least 1");
    if (*n > max)
      return syntax(c, "Range error: nt!poolhittag is " + std::to_string(kHitTagBytes) + " bytes (L" + hex(max).substr(2) +
                           " at most)");
    c.count = *n;
    if (auto st = no_more(c, args, used); !st) return st.error();
  }
  return c;
}

Result<Command> parse_pool_find(Command c, const std::vector<Token> &args) {
  if (args.empty()) return syntax(c, "missing TagString: !poolfind TagString [PoolType]");
  auto tag = tag_string(c, args[0]);
  if (!tag) return tag.error();
  c.tag = *tag;
  if (args.size() > 1) {
    auto type = parse_pool_type(args[1].text);
    if (!type) return syntax(c, type.error().message);
    c.pool_type = *type;
  }
  if (auto st = no_more(c, args, 2); !st) return st.error();
  return c;
}

Result<Command> parse_pool(Command c, const std::vector<Token> &args) {
  if (args.empty()) return syntax(c, "missing Address: !pool Address");
  auto a = parse_number(args[0].text);
  if (!a) return syntax(c, "bad Address '" + printable(args[0].text) + "' (" + a.error().message + ")");
  c.address = *a;
  if (auto st = no_more(c, args, 1); !st) return st.error();
  return c;
}

}  // namespace

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

Result<uint64_t> parse_number(std::string_view text) {
  std::string s;
  for (char ch : text)
    if (ch != '`') s += ch;
  unsigned base = 16;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s = s.substr(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'n' || s[1] == 'N')) {
    s = s.substr(2);
    base = 10;
  }
  if (s.empty()) return Error{"not a number", kExitUsage};
  uint64_t v = 0;
  for (char ch : s) {
    unsigned d;
    if (ch >= '0' && ch <= '9')
      d = static_cast<unsigned>(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      d = static_cast<unsigned>(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      d = static_cast<unsigned>(ch - 'A' + 10);
    else
      return Error{"not a number", kExitUsage};
    if (d >= base) return Error{"not a number", kExitUsage};
    if (v > (UINT64_MAX - d) / base) return Error{"Overflow", kExitUsage};
    v = v * base + d;
  }
  return v;
}

Result<int> parse_pool_type(std::string_view text) {
  static const std::array<std::string_view, 4> names = {"slab", "percpu", "vmalloc", "page"};
  std::string name = lower(text);
  for (size_t i = 0; i < names.size(); ++i)
    if (name == names[i]) return static_cast<int>(i);
  auto n = parse_number(text);
  if (n && *n < names.size()) return static_cast<int>(*n);
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

Result<Command> parse_command(std::string_view text) {
  Command c;
  c.text = trim(text);
  if (c.text.empty()) return c;
  // The verb runs to the first white space ("db", "!poolused", "?").
  size_t end = 0;
  while (end < c.text.size() && !is_space(c.text[end])) ++end;
  std::string verb = lower(std::string_view(c.text).substr(0, end));
  auto args = tokenize(c, std::string_view(c.text).substr(end));
  if (!args) return args.error();

  if (verb == "?" || verb == ".help") {
    c.verb = Verb::Help;
    if (!args->empty()) return syntax(c, "expressions are not evaluated; ? alone lists the commands");
    return c;
  }
  if (verb == "q" || verb == "qq" || verb == ".quit") {
    c.verb = Verb::Quit;
    if (auto st = no_more(c, *args, 0); !st) return st.error();
    return c;
  }
  if (verb == ".reload") {
    c.verb = Verb::Reload;
    for (const auto &a : *args)  // WinDbg's /f (force) is what .reload always does here
      if (lower(a.text) != "/f") return syntax(c, "unexpected '" + printable(a.text) + "' (only /f)");
    return c;
  }
  if (verb == "!leaks") {
    c.verb = Verb::Leaks;
    if (!args->empty()) {
      const std::string &d = (*args)[0].text;
      // checked as a duration by the caller (common/units.h); here only its shape
      if (d.empty() || !std::isdigit(static_cast<unsigned char>(d[0])) || !printable_tag(d))
        return syntax(c, "bad Duration '" + printable(d) + "' (examples: 60s, 5m)");
      c.duration = d;
    }
    if (auto st = no_more(c, *args, 1); !st) return st.error();
    return c;
  }
  if (verb == "g") {
    c.verb = Verb::Go;
    if (!args->empty()) return syntax(c, "g takes no address: it runs until the next hit of nt!poolhittag");
    return c;
  }
  if (verb == "kb") {
    c.verb = Verb::Backtrace;
    if (!args->empty()) {
      auto n = parse_number((*args)[0].text);
      if (!n) return syntax(c, "bad frame count '" + printable((*args)[0].text) + "' (" + n.error().message + ")");
      if (*n == 0 || *n > 0xffff) return syntax(c, "frame count must be 1 to 0xffff");
      c.count = *n;
    }
    if (auto st = no_more(c, *args, 1); !st) return st.error();
    return c;
  }
  if (verb == "ed") {
    c.verb = Verb::EditHitTag;
    return parse_edit(std::move(c), *args);
  }
  if (verb == "db" || verb == "dd") {
    c.verb = Verb::Display;
    c.unit = verb == "db" ? 1 : 4;
    return parse_display(std::move(c), *args);
  }
  if (verb == "eb" || verb == "ew" || verb == "eq" || verb == "ea" || verb == "eu" || verb == "e") {
    if (args->empty() || !is_hit_tag_symbol((*args)[0].text)) return only_hit_tag(args->empty() ? "" : (*args)[0].text);
    return syntax(c, "nt!poolhittag is a dword here: use ed");
  }
  if (verb == "!poolused") {
    c.verb = Verb::PoolUsed;
    return parse_pool_used(std::move(c), *args);
  }
  if (verb == "!poolfind") {
    c.verb = Verb::PoolFind;
    return parse_pool_find(std::move(c), *args);
  }
  if (verb == "!pool") {
    c.verb = Verb::Pool;
    return parse_pool(std::move(c), *args);
  }
  if (!verb.empty() && verb[0] == '!') return Error{"No export " + printable(verb.substr(1)) + " found", kExitUsage};
  return Error{"^ Syntax error in '" + printable(c.text) + "': unknown command (? lists the commands)", kExitUsage};
}

}  // namespace pooltag::cli::kd
