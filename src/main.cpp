// pooltag: pool tagging for the Linux kernel heap.
#include <CLI/CLI.hpp>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <map>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/result.h"
#include "kernel/libbpf_log.h"
#include "kernel/system.h"

int main(int argc, char **argv) {
  using namespace pooltag;
  kernel::LinuxSystem system;
  cli::Context ctx{kernel::default_pin_dir(), "/proc/kallsyms", &system};

  CLI::App app{"pooltag: find kernel memory leaks by pool tag (Windows' pool tagging for Linux)", "pooltag"};
  app.require_subcommand(1);
  app.add_option("--pin-dir", ctx.pin_dir, "Where the enabled state is pinned (default $POOLTAG_PIN_DIR or "
                                           "/sys/fs/bpf/pooltag)");
  app.add_option("--kallsyms", ctx.kallsyms_path, "Kernel symbols file to read instead of /proc/kallsyms");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Print libbpf's own messages (verifier logs among them) as they come");
  // --version names the libbpf in use and the one built against: skeletons
  // and pinned-map layouts depend on both (bug reports need them).
  app.set_version_flag("--version", [] {
    return fmt::format("{}\nlibbpf {}.{} (built with {}.{})", POOLTAG_VERSION_STRING, libbpf_major_version(),
                       libbpf_minor_version(), LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
  });

  // Each subcommand registers its options and hands back what runs it.
  std::map<std::string, cli::Runner> runners;
  runners["enable"] = cli::add_enable(app, ctx);
  runners["disable"] = cli::add_disable(app, ctx);
  runners["status"] = cli::add_status(app, ctx);
  runners["used"] = cli::add_used(app, ctx);
  runners["mon"] = cli::add_mon(app, ctx);
  runners["hit"] = cli::add_hit(app, ctx);
  runners["stacks"] = cli::add_stacks(app, ctx);
  runners["find"] = cli::add_find(app, ctx);
  runners["pool"] = cli::add_pool(app, ctx);
  runners["kd"] = cli::add_kd(app, ctx);
  runners["check"] = cli::add_check(app, ctx);
  runners["export"] = cli::add_export(app, ctx);
  runners["record"] = cli::add_record(app, ctx);
  runners["leaks"] = cli::add_leaks(app, ctx);
  runners["report"] = cli::add_report(app, ctx);

  // A wrong command line fails before any subcommand has its --json: ask
  // the arguments themselves.
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    return cli::report_failure(Error{std::string(e.what()) + " (--help lists the commands and options)", kExitUsage},
                               cli::json_requested(argc, argv));
  }
  CLI::App *command = app.get_subcommands().front();
  // Every failure, whichever command, leaves through report_failure: the
  // command's own --json decides between a JSON object and one stderr line.
  const CLI::Option *json_flag = command->get_option_no_throw("--json");
  const bool json = json_flag != nullptr && json_flag->count() > 0;
  // libbpf's messages: one line per failure unless -v asks for all of them
  kernel::capture_libbpf_output(verbose);
  try {
    auto result = runners.at(command->get_name())();
    if (!result) return cli::report_failure(result.error(), json);
    return *result;
  } catch (const FatalError &e) {
    return cli::report_failure(Error{std::string("internal error: ") + e.what(), kExitError}, json);
  } catch (const std::exception &e) {
    return cli::report_failure(Error{e.what(), kExitError}, json);
  }
}
