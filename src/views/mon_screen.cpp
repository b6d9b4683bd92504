#include "views/mon_screen.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "views/used_view.h"

namespace pooltag::views {

namespace {

enum ColorPair : short { kPairChanged = 1, kPairWarning = 2, kPairFooter = 3 };

int translate(int ch) {
  switch (ch) {
    case KEY_UP: return kKeyUp;
    case KEY_DOWN: return kKeyDown;
    case KEY_PPAGE: return kKeyPageUp;
    case KEY_NPAGE: return kKeyPageDown;
    case KEY_HOME: return kKeyHome;
    case KEY_END: return kKeyEnd;
    case KEY_ENTER: case '\n': case '\r': return kKeyEnter;
    case 27: return kKeyEscape;
    case KEY_BACKSPACE: case 127: case 8: return kKeyBackspace;
    default: return ch;
  }
}

attr_t attributes(uint8_t style, bool colors) {
  attr_t a = A_NORMAL;
  if (style & (kStyleColumns | kStyleSelected)) a |= A_REVERSE;
  if (style & kStyleTotal) a |= A_BOLD;
  if (style & kStyleChanged) a |= A_BOLD | (colors ? COLOR_PAIR(kPairChanged) : A_NORMAL);
  if (style & kStyleWarning) a |= colors ? COLOR_PAIR(kPairWarning) : A_BOLD;
  if (style & kStyleFooter) a |= colors ? COLOR_PAIR(kPairFooter) : A_NORMAL;
  return a;
}

// The terminal shows "≤" only in a UTF-8 locale (ncursesw); elsewhere "<"
// stands in for it, one column as well, so the columns stay aligned.
bool g_utf8 = false;

void replace_upper_bound_marks(std::string &text) {
  const std::string mark(kUpperBoundMark);
  for (size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at + 1)) text.replace(at, mark.size(), "<");
}

void draw(const std::vector<ScreenLine> &lines, bool colors) {
  erase();
  const int rows = LINES, cols = COLS;
  for (int y = 0; y < rows && y < static_cast<int>(lines.size()); ++y) {
    const auto &l = lines[static_cast<size_t>(y)];
    attr_t a = attributes(l.style, colors);
    // Bars (titles, cursor) span the width; the very last cell is left
    // alone so that the terminal does not scroll.
    int width = (y == rows - 1) ? cols - 1 : cols;
    std::string text = l.text.substr(0, static_cast<size_t>(std::max(width, 0)));
    if (l.style & (kStyleColumns | kStyleSelected | kStyleFooter)) text.resize(static_cast<size_t>(std::max(width, 0)), ' ');
    attrset(a);
    if (!g_utf8) replace_upper_bound_marks(text);
    mvaddnstr(y, 0, text.c_str(), width);
  }
  attrset(A_NORMAL);
  refresh();
}

}  // namespace

Status run_mon_screen(MonModel &mon, const volatile std::sig_atomic_t &stop) {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
    return Error{"pooltag mon needs a terminal; --batch or --json print to pipes and logs"};
  // the character set only (numbers and parsing stay in the C locale)
  setlocale(LC_CTYPE, "");
  g_utf8 = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
  SCREEN *screen = newterm(nullptr, stdout, stdin);
  if (screen == nullptr) {
    const char *term = std::getenv("TERM");
    return Error{std::string("cannot drive the terminal (TERM=") + (term ? term : "") + ")"};
  }
  cbreak();  // not raw: Ctrl-C still stops mon through its signal handler
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  bool colors = has_colors();
  if (colors) {
    start_color();
    use_default_colors();
    init_pair(kPairChanged, COLOR_YELLOW, -1);
    init_pair(kPairWarning, COLOR_RED, -1);
    init_pair(kPairFooter, COLOR_BLACK, COLOR_CYAN);
  }

  using Clock = std::chrono::steady_clock;
  Clock::time_point last{}, next = Clock::now();
  while (stop == 0) {
    Clock::time_point now = Clock::now();
    if (now >= next) {
      (void)mon.refresh();  // an error is shown in the footer; the old rows stay
      last = now;
      next = now + std::chrono::nanoseconds(mon.options().interval_ns);
    }
    mon.set_viewport(static_cast<size_t>(COLS), static_cast<size_t>(LINES));
    draw(mon.render(), colors);
    // Wake for the next refresh, a key, or every 100 ms to notice a signal.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    timeout(static_cast<int>(std::clamp<long long>(wait, 0, 100)));
    int ch = getch();
    if (ch == ERR || ch == KEY_RESIZE) continue;
    uint64_t interval = mon.options().interval_ns;
    auto action = mon.key(translate(ch));
    if (action == MonModel::Action::Quit) break;
    if (action == MonModel::Action::Refresh) next = Clock::now();
    if (mon.options().interval_ns != interval) next = last + std::chrono::nanoseconds(mon.options().interval_ns);
  }
  endwin();
  delscreen(screen);
  return Ok{};
}

}  // namespace pooltag::views
