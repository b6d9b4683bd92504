#include "cli/reader.h"

#include <fmt/format.h>

namespace pooltag::cli {

void add_tag_options(CLI::App *cmd, TagArgs &args) {
  cmd->add_option("--by", args.by, "Tags by caller (function), module, or cache (slab cache name)")
      ->capture_default_str();
  cmd->add_option("--tags", args.tags_file, "Tag file (pooltag.txt format: TAG - OWNER - Description)");
}

Result<std::unique_ptr<engine::Session>> open_session(const Context &ctx, const TagArgs &args,
                                                      std::string_view command) {
  return engine::Session::open(ctx.pin_dir, *ctx.system, ctx.kallsyms_path, args, command);
}

Status check_tag_pattern(const std::string &p) {
  if (p.empty()) return Error{"empty tag pattern", kExitUsage};
  for (char c : p)
    if (static_cast<unsigned char>(c) < 0x20) return Error{fmt::format("bad tag pattern '{}'", p), kExitUsage};
  return Ok{};
}

Result<std::optional<model::Pool>> parse_pool_option(const std::string &text) {
  if (text.empty()) return std::optional<model::Pool>{};
  auto pool = model::parse_pool(text);
  if (!pool) return Error{fmt::format("unknown pool type '{}' (slab, percpu, vmalloc, page)", text), kExitUsage};
  return std::optional<model::Pool>{*pool};
}

}  // namespace pooltag::cli
