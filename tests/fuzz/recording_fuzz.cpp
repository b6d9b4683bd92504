// libFuzzer target for the recording reader of `pooltag leaks` and `report`
// (record::read_recording, docs/leaks.md#the-database): the input is the
// database file. Whatever it holds — not SQLite, damaged pages, pooltag's
// layout with hostile rows (intervals of a session that does not exist,
// times out of order, extreme counts, text where numbers belong, tables
// missing) — reading it ends in one error line with exit 1, or in a
// Recording that the analysis and every view of it (leaks' text and JSON,
// the HTML report) take. Reading never changes the file, and no text of
// the file adds markup to the report.
//
// The seeds (recording_corpus/) are small recordings and hostile edits of
// them, written by make_recording_seeds.sh.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analysis/leaks.h"
#include "fuzz_check.h"
#include "record/store.h"
#include "views/leaks_view.h"
#include "views/report_html.h"
#include "views/report_assets.h"

// The report's inlined charting library is generated into the build tree;
// empty here, so that only the recording's text can put markup in a page.
namespace pooltag::views {
std::string_view uplot_js() { return ""; }
std::string_view uplot_css() { return ""; }
std::string_view uplot_version() { return "0"; }
std::string_view uplot_license() { return ""; }
}  // namespace pooltag::views

namespace {

constexpr const char *kSuffixes[] = {"", "-wal", "-shm", "-journal"};  // what SQLite puts beside a database

// A directory of this process for the input file, removed at exit (never
// destroyed: the exit handler still reads it).
const std::string &scratch_dir() {
  static const std::string *dir = [] {
    const char *base = getenv("TMPDIR");
    auto *templ = new std::string(std::string(base && *base ? base : "/tmp") + "/pooltag-recording-fuzz-XXXXXX");
    pooltag::fuzz::check(mkdtemp(templ->data()) != nullptr, "cannot make a scratch directory");
    return templ;
  }();
  return *dir;
}

std::string input_path() { return scratch_dir() + "/input.db"; }

void remove_scratch() {
  for (const char *suffix : kSuffixes) unlink((input_path() + suffix).c_str());
  rmdir(scratch_dir().c_str());
}

bool write_file(const std::string &path, const uint8_t *data, size_t size) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  return done == size;
}

std::string read_file(const std::string &path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// Case-insensitive: "<SCRIPT" opens a script element too.
size_t occurrences(std::string text, std::string_view what) {
  for (char &c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  static const bool cleanup_registered = std::atexit(remove_scratch) == 0;
  (void)cleanup_registered;
  const std::string path = input_path();
  fuzz::check(write_file(path, data, size), "cannot write the input file");
  // few instants: thinning by time runs on most inputs too
  auto recording = record::read_recording(path, 16);
  fuzz::check(read_file(path) == fuzz::as_text(data, size), "reading changed the recording");
  for (const char *suffix : kSuffixes)
    if (*suffix) unlink((path + suffix).c_str());
  if (!recording) {
    fuzz::check_one_line_error(recording.error());
    fuzz::check(recording.error().exit_code == kExitError, "a bad recording is an error, not a usage error");
    return 0;
  }
  for (const auto &s : recording->series)
    for (const auto &p : s.points) fuzz::check(p.instant < recording->instants.size(), "a point of no instant");

  for (uint64_t min_duration : {0ull, 30000000000ull}) {
    analysis::LeakOptions options;
    options.min_duration_ns = min_duration;
    auto leaks = analysis::find_leaks(*recording, options);
    (void)views::render_leaks_text(leaks, views::LeaksViewOptions{0, "fuzz"});
    (void)views::leaks_json(leaks).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string html = views::render_report_html(*recording, leaks, views::ReportOptions{path, 0});
    // the page's own three scripts and one comment, nothing the file wrote
    fuzz::check(occurrences(html, "<script") == 3 && occurrences(html, "</script") == 3,
                "a script element from the recording's text");
    fuzz::check(occurrences(html, "<!--") == 1, "a comment from the recording's text");
  }
  return 0;
}
