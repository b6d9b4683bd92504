// Tier 3 for `pooltag mon`: the real screen in tmux (send-keys, capture-pane)
// following an eventfd leak made in steps, the 80x24 fit, --batch and
// --json against `pooltag used --json`, and the error and --ephemeral paths.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "harness.h"

using namespace pooltag::testing;

namespace {

// Runs a shell command, returns its stdout.
std::string shell(const std::string &command) {
  std::string out;
  FILE *p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::vector<std::string> split_lines(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A tmux server of its own (so that other tmux users are not touched) with
// one window of a fixed size running `command`.
class Tmux {
 public:
  Tmux(int width, int height, const std::string &command)
      : socket_("pooltag-mon-test-" + std::to_string(getpid())) {
    shell("tmux -L " + socket_ + " kill-server 2>/dev/null");
    shell("new-session -d -s mon -x " + std::to_string(width) + " -y " + std::to_string(height) + " '" + command +
          "'");
  }
  ~Tmux() { shell("tmux -L " + socket_ + " kill-server 2>/dev/null"); }

  void keys(const std::string &keys) { shell("send-keys -t mon " + keys); }
  // -l: literally, for text typed at a prompt.
  void text(const std::string &text) { shell("send-keys -t mon -l '" + text + "'"); }
  std::string capture(bool attributes = false) {
    return shell(std::string("capture-pane -p ") + (attributes ? "-e " : "") + "-t mon");
  }

 private:
  std::string shell(const std::string &tmux_args) {
    if (tmux_args.rfind("tmux ", 0) == 0) return ::shell(tmux_args);
    return ::shell("tmux -L " + socket_ + " " + tmux_args);
  }
  std::string socket_;
};

std::string mon_command(const std::string &extra = "") {
  return std::string(POOLTAG_BINARY) + " --pin-dir " + test_pin_dir() + " mon -d 0.5 " + extra +
         "; echo mon-exit=$?; sleep 60";
}

// The table on a captured screen: the column titles and the rows below them.
struct Table {
  std::string titles;
  std::vector<std::string> rows;
  std::vector<size_t> row_lines;  // line number of each row on the screen

  bool ok() const { return !titles.empty(); }
  // The right-aligned cell under `title` ("Diff", "Bytes", "Allocs"...).
  std::string cell(size_t row, const std::string &title) const {
    size_t at = titles.find(" " + title);
    if (at == std::string::npos || row >= rows.size()) return "";
    size_t end = at + 1 + title.size();
    const std::string &r = rows[row];
    if (r.size() < end) return "";
    size_t begin = r.rfind(' ', end - 1);
    return r.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1));
  }
  std::string tag(size_t row) const { return rows[row].substr(0, rows[row].find(' ')); }
  std::string type(size_t row) const {
    std::istringstream in(rows[row]);
    std::string tag, type;
    in >> tag >> type;
    return type;
  }
  int find(const std::string &tag_name) const {
    for (size_t i = 0; i < rows.size(); ++i)
      if (tag(i) == tag_name) return static_cast<int>(i);
    return -1;
  }
};

Table parse_table(const std::string &screen) {
  Table t;
  auto lines = split_lines(screen);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!t.ok()) {
      if (lines[i].rfind("Tag ", 0) == 0) t.titles = lines[i];
      continue;
    }
    if (lines[i].empty() || lines[i].rfind("q:quit", 0) == 0 || lines[i].rfind("TOTAL", 0) == 0) break;
    if (lines[i].rfind("no tag", 0) == 0) break;
    // cells are found by column; the upper bound's mark is one column, three bytes
    std::string row = lines[i];
    for (size_t at = row.find("\u2264"); at != std::string::npos; at = row.find("\u2264", at + 1))
      row.replace(at, std::string("\u2264").size(), "<");
    t.rows.push_back(row);
    t.row_lines.push_back(i);
  }
  return t;
}

// A cell's number; an upper bound's mark ("<" in parse_table's rows, as
// outside UTF-8 locales) is read past: the bound is the number.
int64_t number(std::string cell) {
  if (cell.rfind('<', 0) == 0) cell.erase(0, 1);
  return cell.empty() ? -1 : std::stoll(cell);
}

// SGR state at the first character of each line of `capture-pane -e`
// output: tmux sends only changes, so the state carries across lines.
struct Attributes {
  bool bold = false, reverse = false;
  int fg = 39;
};
std::vector<Attributes> line_attributes(const std::string &screen) {
  std::vector<Attributes> out;
  Attributes cur;
  for (const auto &line : split_lines(screen)) {
    std::optional<Attributes> first;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
        size_t m = line.find('m', i);
        if (m == std::string::npos) break;
        std::string params = line.substr(i + 2, m - i - 2);
        std::istringstream ps(params);
        std::string p;
        if (params.empty()) cur = Attributes{};
        while (std::getline(ps, p, ';')) {
          int v = p.empty() ? 0 : std::atoi(p.c_str());
          if (v == 0) cur = Attributes{};
          else if (v == 1) cur.bold = true;
          else if (v == 22) cur.bold = false;
          else if (v == 7) cur.reverse = true;
          else if (v == 27) cur.reverse = false;
          else if ((v >= 30 && v <= 37) || v == 39) cur.fg = v;
        }
        i = m;
        continue;
      }
      if (!first) first = cur;
    }
    out.push_back(first.value_or(cur));
  }
  return out;
}

bool non_increasing(const Table &t, const std::string &title) {
  for (size_t i = 1; i < t.rows.size(); ++i)
    if (number(t.cell(i, title)) > number(t.cell(i - 1, title))) return false;
  return !t.rows.empty();
}

class MonScreen : public EnabledTagging {};
class MonBatch : public EnabledTagging {};

}  // namespace

TEST_F(MonScreen, FollowsAnEventfdLeakInStepsAndActsOnKeys) {
  const int64_t first = 8000, second = 6000;
  const int64_t before = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab").diff;
  Program step1({program_path("leak_eventfd"), std::to_string(first)});
  ASSERT_EQ(step1.read_line().rfind("started", 0), 0u);

  Tmux tmux(120, 40, mon_command());
  ASSERT_TRUE(eventually([&] { return parse_table(tmux.capture()).ok(); }, 10000)) << tmux.capture();
  tmux.keys("d");
  tmux.keys("b");  // back to bytes: a new key sorts largest first
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Sort bytes by value, largest first") != std::string::npos; }))
      << tmux.capture();
  // Each eventfd also costs a struct file (alloc_empty_file) and, on recent
  // kernels, a dentry (__d_alloc), each larger than the 64-byte
  // eventfd_ctx: they would outrank do_eventfd. Hiding every *alloc* tag
  // leaves the leak's own row to compete with the rest of the system; the
  // slab pool (p) leaves out the 20 KiB vmalloc'd stacks of the processes
  // this test starts.
  tmux.text("\\");
  tmux.text("*alloc*");
  tmux.keys("Enter");
  tmux.keys("p");
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Pool slab  Filter -*alloc*") != std::string::npos; }))
      << tmux.capture();

  // Step 1: the row comes to the top with the exact Diff, highlighted.
  step1.send_line();
  ASSERT_EQ(step1.read_line().rfind("ready", 0), 0u);
  std::string seen;
  bool highlighted = eventually(
      [&] {
        seen = tmux.capture(true);
        Table t = parse_table(tmux.capture());
        if (t.rows.empty() || t.tag(0) != "do_eventfd" || number(t.cell(0, "Diff")) != before + first) return false;
        Attributes a = line_attributes(seen)[t.row_lines[0]];
        return a.bold && a.fg == 33;
      },
      10000);
  Table t = parse_table(tmux.capture());
  ASSERT_FALSE(t.rows.empty()) << tmux.capture();
  EXPECT_EQ(t.tag(0), "do_eventfd") << tmux.capture();
  EXPECT_EQ(number(t.cell(0, "Diff")), before + first) << tmux.capture();
  EXPECT_EQ(number(t.cell(0, "Bytes")), (before + first) * 64) << tmux.capture();
  EXPECT_TRUE(non_increasing(t, "Bytes")) << tmux.capture();
  for (size_t i = 0; i < t.rows.size(); ++i) EXPECT_EQ(t.type(i), "slab") << t.rows[i];
  EXPECT_TRUE(highlighted) << "the changed row was never shown highlighted:\n" << seen;
  // With nothing new the next refresh drops the highlight.
  EXPECT_TRUE(eventually(
      [&] {
        seen = tmux.capture(true);
        Table u = parse_table(tmux.capture());
        int row = u.find("do_eventfd");
        if (row < 0) return false;
        Attributes a = line_attributes(seen)[u.row_lines[static_cast<size_t>(row)]];
        return !a.bold && a.fg == 39 && number(u.cell(static_cast<size_t>(row), "Diff")) == before + first;
      },
      5000))
      << seen;

  // Step 2: the change column says exactly what the step leaked. A long
  // interval (+) and a forced refresh (space) put the whole step into one.
  tmux.keys("+ + + + + +");
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("every 30s") != std::string::npos; })) << tmux.capture();
  Program step2({program_path("leak_eventfd"), std::to_string(second)});
  ASSERT_EQ(step2.read_line().rfind("started", 0), 0u);
  step2.send_line();
  ASSERT_EQ(step2.read_line().rfind("ready", 0), 0u);
  tmux.keys("Space");
  EXPECT_TRUE(eventually(
      [&] {
        Table u = parse_table(tmux.capture());
        return !u.rows.empty() && u.tag(0) == "do_eventfd" && number(u.cell(0, "Diff")) == before + first + second;
      },
      5000))
      << tmux.capture();
  t = parse_table(tmux.capture());
  EXPECT_NE(t.rows.at(0).find(" +" + std::to_string(second) + " "), std::string::npos)
      << "Allocs (chg) of the step: " << tmux.capture();
  EXPECT_NE(t.rows.at(0).find(" +" + std::to_string(second * 64)), std::string::npos)
      << "Bytes (chg) of the step: " << tmux.capture();

  // d: by Diff, largest first.
  tmux.keys("Escape");
  tmux.keys("d");
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Sort diff by value, largest first  Pool slab  Filter none") !=
                                      std::string::npos; }))
      << tmux.capture();
  t = parse_table(tmux.capture());
  EXPECT_TRUE(non_increasing(t, "Diff")) << tmux.capture();
  EXPECT_GE(t.find("do_eventfd"), 0) << tmux.capture();

  // p: slab -> percpu -> vmalloc -> page -> all.
  tmux.keys("p");
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Pool percpu") != std::string::npos; })) << tmux.capture();
  t = parse_table(tmux.capture());
  for (size_t i = 0; i < t.rows.size(); ++i) EXPECT_EQ(t.type(i), "percpu") << t.rows[i];
  EXPECT_EQ(t.find("do_eventfd"), -1);
  // the largest percpu Diff, which the all-pools view must show again
  std::string percpu_tag = t.rows.empty() ? "" : t.tag(0);
  int64_t percpu_diff = t.rows.empty() ? 0 : number(t.cell(0, "Diff"));
  tmux.keys("p");
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Pool vmalloc") != std::string::npos; })) << tmux.capture();
  t = parse_table(tmux.capture());
  for (size_t i = 0; i < t.rows.size(); ++i) EXPECT_EQ(t.type(i), "vmalloc") << t.rows[i];
  tmux.keys("p p");  // page, all
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Pool all") != std::string::npos; })) << tmux.capture();
  t = parse_table(tmux.capture());
  // the top percpu row is back, unless every row shown has a larger Diff
  // (a quiet kernel may have little percpu or vmalloc activity to show)
  if (percpu_diff > 0 && !t.rows.empty() && number(t.cell(t.rows.size() - 1, "Diff")) < percpu_diff)
  {
    bool shown = false;
    for (size_t i = 0; i < t.rows.size(); ++i) shown |= t.tag(i) == percpu_tag && t.type(i) == "percpu";
    EXPECT_TRUE(shown) << "all pools again: " << percpu_tag << " (percpu) missing\n" << tmux.capture();
  }

  // /: only tags matching the pattern.
  tmux.keys("/");
  tmux.text("eventfd");
  tmux.keys("Enter");
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("Filter +eventfd") != std::string::npos; }))
      << tmux.capture();
  t = parse_table(tmux.capture());
  EXPECT_GE(t.find("do_eventfd"), 0) << tmux.capture();
  for (size_t i = 0; i < t.rows.size(); ++i) EXPECT_NE(t.tag(i).find("eventfd"), std::string::npos) << t.rows[i];
  EXPECT_EQ(number(t.cell(static_cast<size_t>(std::max(t.find("do_eventfd"), 0)), "Diff")), before + first + second);

  // q: quits with 0 and gives the terminal back.
  tmux.keys("q");
  EXPECT_TRUE(eventually([&] { return tmux.capture().find("mon-exit=0") != std::string::npos; })) << tmux.capture();
  EXPECT_EQ(tmux.capture().find("q:quit"), std::string::npos) << "the screen is restored";
}

TEST_F(MonScreen, FitsEightyByTwentyFour) {
  Tmux tmux(80, 24, mon_command("-e"));
  ASSERT_TRUE(eventually([&] { return tmux.capture().find("q:quit") != std::string::npos; }, 10000))
      << tmux.capture();
  auto lines = split_lines(tmux.capture());
  ASSERT_LE(lines.size(), 24u);
  for (const auto &l : lines) EXPECT_LE(l.size(), 80u) << l;
  Table t = parse_table(tmux.capture());
  ASSERT_TRUE(t.ok());
  for (const char *title : {"Tag", "Type", "Allocs", "Frees", "Diff", "Bytes", "PerAlloc"})
    EXPECT_NE(t.titles.find(title), std::string::npos) << title << " in " << t.titles;
  EXPECT_GE(t.rows.size(), 10u) << "most of the screen is rows";
  EXPECT_EQ(lines.back().rfind("q:quit", 0), 0u) << "keys on the last line";
  EXPECT_EQ(lines[lines.size() - 2].rfind("TOTAL", 0), 0u) << "-e: the totals row above them";
  tmux.keys("q");
  EXPECT_TRUE(eventually([&] { return tmux.capture().find("mon-exit=0") != std::string::npos; })) << tmux.capture();
}

TEST_F(MonBatch, BatchAndJsonAgreeWithUsed) {
  const int64_t n = 4000;
  Program p({program_path("leak_eventfd"), std::to_string(n)});
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
  p.send_line();
  ASSERT_EQ(p.read_line().rfind("ready", 0), 0u);  // held steady from here on

  auto used = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab");
  ASSERT_GE(used.diff, n);

  auto batch = run_pooltag({"mon", "--batch", "-n", "2", "-d", "0.2"});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out.find('\x1b'), std::string::npos) << "no escape codes";
  std::vector<std::string> reports;
  size_t at = 0;
  while ((at = batch.out.find("pooltag mon", at)) != std::string::npos) reports.push_back(batch.out.substr(at++));
  ASSERT_EQ(reports.size(), 2u) << batch.out;
  Table t = parse_table(reports[1]);
  int row = t.find("do_eventfd");
  ASSERT_GE(row, 0) << reports[1];
  EXPECT_EQ(number(t.cell(static_cast<size_t>(row), "Diff")), used.diff) << reports[1];
  EXPECT_EQ(number(t.cell(static_cast<size_t>(row), "Bytes")), used.bytes) << reports[1];
  EXPECT_EQ(number(t.cell(static_cast<size_t>(row), "Allocs")), used.allocs) << reports[1];
  EXPECT_NE(reports[1].find("\nTOTAL "), std::string::npos);

  auto json = run_pooltag({"mon", "--json", "-n", "2", "-d", "0.2"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto docs = split_lines(json.out);
  ASSERT_EQ(docs.size(), 2u) << json.out;
  auto used_doc = used_json();
  for (const auto &line : docs) {
    nlohmann::json doc;
    ASSERT_NO_THROW(doc = nlohmann::json::parse(line)) << line;
    auto c = counts_of(doc, "do_eventfd", "slab");
    EXPECT_EQ(c.diff, used.diff);
    EXPECT_EQ(c.bytes, used.bytes);
    EXPECT_EQ(c.allocs, used.allocs);
    EXPECT_EQ(c.alloc_bytes, used.alloc_bytes);
    ASSERT_FALSE(doc["tags"].empty());
    for (const auto &[key, _] : used_doc["tags"][0].items()) EXPECT_TRUE(doc["tags"][0].contains(key)) << key;
    for (const auto &[key, _] : used_doc.items()) EXPECT_TRUE(doc.contains(key)) << key;
    EXPECT_TRUE(doc["meminfo_bytes"].contains("slab"));
    EXPECT_TRUE(doc["changes"].is_array());
  }
  EXPECT_EQ(nlohmann::json::parse(docs[1])["refresh"], 2);
  EXPECT_EQ(counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab").diff, used.diff) << "the leak held steady";
}

TEST_F(RootOnly, MonErrorsAreOneLine) {
  auto r = run_pooltag({"mon", "-d", "0.1", "--batch"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("at least 0.2"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_pooltag({"mon", "-n", "2"});
  EXPECT_EQ(r.exit_code, 2) << "-n without --batch or --json";

  r = run_pooltag({"mon"});  // stdout is a pipe
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(RootOnly, MonWithoutTaggingSaysHowToEnable) {
  remove_stale_test_pins();
  run_pooltag({"disable"});
  auto r = run_pooltag({"mon", "--batch", "-n", "1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "") << "never an empty table";
  EXPECT_NE(r.err.find("pooltag enable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--ephemeral"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(RootOnly, EphemeralTagsOnlyWhileMonRuns) {
  remove_stale_test_pins();
  run_pooltag({"disable"});
  const std::string prefix = test_pin_dir() + "-mon-";
  auto r = run_pooltag({"mon", "--ephemeral", "--batch", "-n", "2", "-d", "0.2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("EPHEMERAL"), std::string::npos) << "says so on screen";
  EXPECT_NE(r.out.find("\nTag "), std::string::npos) << r.out;
  EXPECT_EQ(shell("ls -d " + prefix + "* 2>/dev/null"), "") << "ephemeral pins left behind";
  EXPECT_EQ(run_pooltag({"status"}).exit_code, 3) << "the main pin directory untouched";

  // SIGTERM (and SIGINT) end it cleanly too.
  std::string dir = test_pin_dir();
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execl(POOLTAG_BINARY, POOLTAG_BINARY, "--pin-dir", dir.c_str(), "mon", "--ephemeral", "--batch", "-d", "0.2",
          nullptr);
    _exit(127);
  }
  std::string mine = prefix + std::to_string(pid);
  struct stat st {};
  // enable's verification takes seconds in the kernel matrix's emulated
  // guests (5.10's legacy programs with the bulk walks most of all)
  EXPECT_TRUE(eventually([&] { return stat(mine.c_str(), &st) == 0; }, 60000)) << "no " << mine;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(stat(mine.c_str(), &st), 0) << mine << " left behind after SIGTERM";
}
