// `pooltag report`: a recording as one self-contained HTML page
// (views/report_html.h), written next to its final name and renamed into
// place, so a reader never sees half a report.
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "analysis/leaks.h"
#include "cli/commands.h"
#include "cli/recording_source.h"
#include "common/unique_fd.h"
#include "common/units.h"
#include "record/store.h"
#include "views/report_html.h"

namespace pooltag::cli {

namespace {

struct ReportArgs {
  std::string db;
  std::string output;
  std::string min_duration = "30s";
};

Result<int> run_report(const ReportArgs &args, Context &ctx) {
  if (args.output.empty()) return Error{"-o FILE: where to write the report", kExitUsage};
  const std::string db = args.db.empty() ? default_recording_path() : args.db;
  analysis::LeakOptions options;
  auto min = parse_duration_ns(args.min_duration);
  if (!min) return min.error();
  options.min_duration_ns = *min;
  std::error_code ec;
  if (std::filesystem::equivalent(db, args.output, ec))
    return Error{fmt::format("-o {}: that is the recording itself", args.output), kExitUsage};

  auto recording = record::read_recording(db);
  if (!recording) return recording.error();
  auto leaks = analysis::find_leaks(*recording, options);
  std::string html = views::render_report_html(*recording, leaks, views::ReportOptions{db, ctx.system->realtime_ns()});

  // A new file of its own beside the output (mkstemp: never one planted
  // there), 0644 whatever the umask: others read the report, none write it.
  std::string temp = args.output + ".XXXXXX";
  UniqueFd fd(mkstemp(temp.data()));
  if (!fd) return error_from_errno("cannot write " + args.output);
  auto fail = [&](const std::string &what) {
    Error e = error_from_errno("cannot write " + what);
    fd.reset();
    std::remove(temp.c_str());
    return e;
  };
  if (fchmod(fd.get(), 0644) != 0) return fail(temp);
  for (size_t done = 0; done < html.size();) {
    ssize_t n = write(fd.get(), html.data() + done, html.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(temp);
    done += static_cast<size_t>(n);
  }
  if (fd.close() != 0) return fail(temp);
  if (std::rename(temp.c_str(), args.output.c_str()) != 0) return fail(args.output);
  return kExitOk;
}

}  // namespace

Runner add_report(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "report", "Write a recording as one self-contained HTML page: the kernel heap and the top growing tags over "
                "time, the suspects, their stacks; see docs/leaks.md");
  auto args = std::make_shared<ReportArgs>();
  cmd->add_option("--db", args->db,
                  "The recording to read (default /var/lib/pooltag/pooltag.db when installed, else ./pooltag.db)");
  cmd->add_option("-o,--output", args->output, "The HTML file to write (required)");
  cmd->add_option("--min-duration", args->min_duration, "Judge only tags seen for at least this long")
      ->capture_default_str();
  return [args, &ctx]() { return run_report(*args, ctx); };
}

}  // namespace pooltag::cli
